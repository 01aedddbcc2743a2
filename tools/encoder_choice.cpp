// SPDX-License-Identifier: LGPL-2.1-or-later
#include "encoder_choice.h"

#include <algorithm>

#include "output_format.h"

namespace xshm_record {
namespace {

using Properties = std::vector<std::pair<std::string, std::string>>;

std::string text(long value) { return std::to_string(value); }

std::string rate_words(const EncoderRequest &r) {
    return r.bitrate_kbps ? text(r.bitrate_kbps) + " kbit/s"
                          : "quality " + text(r.quality.value_or(default_quality(r.codec)));
}

EncoderPlan x264(const EncoderRequest &r) {
    // zerolatency: no lookahead or frame threads, so a frame of a still screen
    // is written when it is captured, not frames later.
    Properties p = {{"speed-preset", r.preset},
                    {"tune", "zerolatency"},
                    {"key-int-max", text(r.keyint_frames)}};
    if (r.bitrate_kbps)
        p.insert(p.end(), {{"pass", "cbr"}, {"bitrate", text(r.bitrate_kbps)}});
    else
        p.insert(p.end(), {{"pass", "qual"},
                           {"quantizer", text(r.quality.value_or(default_quality(Codec::H264)))}});
    return {"x264enc",
            r.chroma444 ? "Y444" : "I420",
            "",
            p,
            false,
            "x264enc (software H.264" + std::string(r.chroma444 ? " 4:4:4" : "") + ", preset " +
                r.preset + ", " + rate_words(r) + ")"};
}

EncoderPlan vpx(const EncoderRequest &r) {
    const bool vp9 = r.codec == Codec::Vp9;
    Properties p = {{"deadline", "1"},
                    {"cpu-used", "8"},
                    {"lag-in-frames", "0"},
                    {"keyframe-max-dist", text(r.keyint_frames)},
                    {"threads", "4"}};
    if (vp9)
        p.push_back({"row-mt", "true"});
    if (r.bitrate_kbps)
        p.insert(p.end(), {{"end-usage", "cbr"}, {"target-bitrate", text(r.bitrate_kbps * 1000L)}});
    else { // libvpx refuses a cq-level under its min-quantizer (default 4)
        const int q = r.quality.value_or(default_quality(r.codec));
        p.insert(
            p.end(),
            {{"end-usage", "cq"}, {"cq-level", text(q)}, {"min-quantizer", text(std::min(q, 4))}});
    }
    const std::string factory = vp9 ? "vp9enc" : "vp8enc";
    return {factory,
            r.chroma444 ? "Y444" : "I420",
            "",
            p,
            false,
            factory + " (software " + (vp9 ? "VP9" : "VP8") + ", realtime, " + rate_words(r) + ")"};
}

// The same rate choices in each hardware encoder's own words.
EncoderPlan hardware(const std::string &factory, const EncoderRequest &r) {
    const std::string q = text(r.quality.value_or(default_quality(Codec::H264))),
                      b = text(r.bitrate_kbps);
    const std::string k = text(r.keyint_frames);
    Properties p;
    if (factory == "nvh264enc") {
        p = {{"gop-size", k}, {"zerolatency", "true"}};
        if (r.bitrate_kbps)
            p.insert(p.end(), {{"rc-mode", "cbr"}, {"bitrate", b}});
        else
            p.insert(p.end(), {{"rc-mode", "constqp"}, {"qp-const", q}});
    } else if (factory == "vah264enc") {
        // Its GOP holds 1024 frames at most; the keyframes asked every keyint
        // come all the same.
        p = {{"key-int-max", text(std::min(r.keyint_frames, 1024u))}};
        if (r.bitrate_kbps)
            p.insert(p.end(), {{"rate-control", "cbr"}, {"bitrate", b}});
        else
            p.insert(p.end(), {{"rate-control", "cqp"}, {"qpi", q}, {"qpp", q}, {"qpb", q}});
    } else { // vaapih264enc
        p = {{"keyframe-period", k}};
        if (r.bitrate_kbps)
            p.insert(p.end(), {{"rate-control", "cbr"}, {"bitrate", b}});
        else
            p.insert(p.end(), {{"rate-control", "cqp"}, {"init-qp", q}});
    }
    return {factory, "NV12", "h264parse",
            p,       true,   factory + " (hardware H.264, " + rate_words(r) + ")"};
}

} // namespace

const std::vector<std::string> &hardware_h264_encoders() {
    static const std::vector<std::string> encoders = {"nvh264enc", "vah264enc", "vaapih264enc"};
    return encoders;
}

EncoderPlan choose_encoder(const EncoderRequest &request,
                           const std::function<bool(const std::string &)> &usable) {
    switch (request.codec) {
    case Codec::Vp8:
    case Codec::Vp9: return vpx(request);
    case Codec::Ffv1:
        // Lossless and intra-only: the screen's own RGB, every frame a keyframe.
        return {"avenc_ffv1", "BGRx", "", {}, false, "avenc_ffv1 (lossless FFV1, RGB)"};
    case Codec::H264: break;
    }
    // Hardware encoders write byte-stream H.264: MP4 needs h264parse after them.
    if (request.allow_hardware && !request.chroma444 && usable("h264parse"))
        for (const std::string &factory : hardware_h264_encoders())
            if (usable(factory))
                return hardware(factory, request);
    EncoderPlan plan = x264(request);
    if (request.allow_hardware)
        plan.description += "; no hardware H.264 encoder found (NVENC nvh264enc, VA-API "
                            "vah264enc or vaapih264enc)";
    return plan;
}

} // namespace xshm_record
