#include "musicindex_ffmpeg.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

#define MUSICINDEX_STRING(x) #x
#define MUSICINDEX_SONAME(name, major) "lib" name ".so." MUSICINDEX_STRING(major)

static musicindex_ffmpeg_api api;
static const musicindex_ffmpeg_api *loaded = NULL;
static char error_text[512] = "FFmpeg was not loaded";
static pthread_once_t once = PTHREAD_ONCE_INIT;

// The major versions the program was compiled against: their ABI is the one it expects.
static const char *const sonames[] = {
    MUSICINDEX_SONAME("avutil", LIBAVUTIL_VERSION_MAJOR),
    MUSICINDEX_SONAME("avcodec", LIBAVCODEC_VERSION_MAJOR),
    MUSICINDEX_SONAME("avformat", LIBAVFORMAT_VERSION_MAJOR),
};

static void *find(void *const *handles, const char *name) {
    for (int i = 0; i < 3; i++) {
        void *symbol = dlsym(handles[i], name);
        if (symbol) return symbol;
    }
    snprintf(error_text, sizeof error_text, "FFmpeg lacks the function %s", name);
    return NULL;
}

static void load(void) {
    void *handles[3];
    for (int i = 0; i < 3; i++) {
        handles[i] = dlopen(sonames[i], RTLD_NOW | RTLD_LOCAL);
        if (!handles[i]) {
            const char *reason = dlerror();
            snprintf(error_text, sizeof error_text, "cannot load %s: %s", sonames[i], reason ? reason : "unknown reason");
            return;
        }
    }
    int complete = 1;
#define MUSICINDEX_BIND(name) \
    if (!(*(void **)&api.name = find(handles, #name))) complete = 0;
    MUSICINDEX_BIND(av_log_set_level)
    MUSICINDEX_BIND(av_frame_alloc)
    MUSICINDEX_BIND(av_frame_free)
    MUSICINDEX_BIND(av_frame_unref)
    MUSICINDEX_BIND(av_sample_fmt_is_planar)
    MUSICINDEX_BIND(av_strerror)
    MUSICINDEX_BIND(av_packet_alloc)
    MUSICINDEX_BIND(av_packet_free)
    MUSICINDEX_BIND(av_packet_unref)
    MUSICINDEX_BIND(avcodec_alloc_context3)
    MUSICINDEX_BIND(avcodec_flush_buffers)
    MUSICINDEX_BIND(avcodec_free_context)
    MUSICINDEX_BIND(avcodec_open2)
    MUSICINDEX_BIND(avcodec_parameters_to_context)
    MUSICINDEX_BIND(avcodec_receive_frame)
    MUSICINDEX_BIND(avcodec_send_packet)
    MUSICINDEX_BIND(av_find_best_stream)
    MUSICINDEX_BIND(av_read_frame)
    MUSICINDEX_BIND(av_seek_frame)
    MUSICINDEX_BIND(avformat_close_input)
    MUSICINDEX_BIND(avformat_find_stream_info)
    MUSICINDEX_BIND(avformat_open_input)
#undef MUSICINDEX_BIND
    if (!complete) return;
    api.av_log_set_level(AV_LOG_QUIET);
    loaded = &api;
}

const musicindex_ffmpeg_api *musicindex_ffmpeg(void) {
    pthread_once(&once, load);
    return loaded;
}

const char *musicindex_ffmpeg_error(void) {
    pthread_once(&once, load);
    return loaded ? "" : error_text;
}
