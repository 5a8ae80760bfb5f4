#pragma once
#include <libavformat/avformat.h>
#include <libavcodec/avcodec.h>
#include <libavutil/avutil.h>
#include <libavutil/channel_layout.h>
#include <libavutil/opt.h>
#include <libavutil/log.h>

// FFmpeg's error codes are function-like macros, which Swift cannot call.
static inline int musicindex_averror_again(void) { return AVERROR(EAGAIN); }
static inline int musicindex_averror_eof(void) { return AVERROR_EOF; }
static inline int musicindex_averror_decoder_not_found(void) { return AVERROR_DECODER_NOT_FOUND; }
static inline int64_t musicindex_av_nopts(void) { return AV_NOPTS_VALUE; }
