// FFmpeg's libavformat, libavcodec and libavutil, loaded on first use.
//
// FFmpeg and the hundred-odd libraries it pulls in cost every run of the program about
// 25 ms of dynamic linking, although most collections never need it (MP3 goes through
// libmpg123, FLAC/Ogg/WAV through libsndfile). So the program does not link FFmpeg: the
// first call to musicindex_ffmpeg() loads it with dlopen and returns its entry points.
// Only MusicIndex/Decode/FFmpegDecoder.swift uses this.
#pragma once
#include <stddef.h>
#include <libavformat/avformat.h>
#include <libavcodec/avcodec.h>
#include <libavutil/avutil.h>
#include <libavutil/channel_layout.h>
#include <libavutil/log.h>

// The FFmpeg functions the decoder calls, with FFmpeg's own signatures.
typedef struct musicindex_ffmpeg_api {
    __typeof__(av_log_set_level) *_Nonnull av_log_set_level;
    __typeof__(av_frame_alloc) *_Nonnull av_frame_alloc;
    __typeof__(av_frame_free) *_Nonnull av_frame_free;
    __typeof__(av_frame_unref) *_Nonnull av_frame_unref;
    __typeof__(av_sample_fmt_is_planar) *_Nonnull av_sample_fmt_is_planar;
    __typeof__(av_strerror) *_Nonnull av_strerror;
    __typeof__(av_packet_alloc) *_Nonnull av_packet_alloc;
    __typeof__(av_packet_free) *_Nonnull av_packet_free;
    __typeof__(av_packet_unref) *_Nonnull av_packet_unref;
    __typeof__(avcodec_alloc_context3) *_Nonnull avcodec_alloc_context3;
    __typeof__(avcodec_flush_buffers) *_Nonnull avcodec_flush_buffers;
    __typeof__(avcodec_free_context) *_Nonnull avcodec_free_context;
    __typeof__(avcodec_open2) *_Nonnull avcodec_open2;
    __typeof__(avcodec_parameters_to_context) *_Nonnull avcodec_parameters_to_context;
    __typeof__(avcodec_receive_frame) *_Nonnull avcodec_receive_frame;
    __typeof__(avcodec_send_packet) *_Nonnull avcodec_send_packet;
    __typeof__(av_find_best_stream) *_Nonnull av_find_best_stream;
    __typeof__(av_read_frame) *_Nonnull av_read_frame;
    __typeof__(av_seek_frame) *_Nonnull av_seek_frame;
    __typeof__(avformat_close_input) *_Nonnull avformat_close_input;
    __typeof__(avformat_find_stream_info) *_Nonnull avformat_find_stream_info;
    __typeof__(avformat_open_input) *_Nonnull avformat_open_input;
} musicindex_ffmpeg_api;

// Loads FFmpeg once (thread-safe) and returns its entry points, or NULL when a library or
// function is missing; musicindex_ffmpeg_error() then says which.
const musicindex_ffmpeg_api *_Nullable musicindex_ffmpeg(void);
const char *_Nonnull musicindex_ffmpeg_error(void);

// FFmpeg's error codes are function-like macros, which Swift cannot call.
static inline int musicindex_averror_again(void) { return AVERROR(EAGAIN); }
static inline int musicindex_averror_eof(void) { return AVERROR_EOF; }
static inline int musicindex_averror_decoder_not_found(void) { return AVERROR_DECODER_NOT_FOUND; }
static inline int64_t musicindex_av_nopts(void) { return AV_NOPTS_VALUE; }
