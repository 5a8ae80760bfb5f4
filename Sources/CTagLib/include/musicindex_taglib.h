// A C interface to the parts of TagLib that musicindex reads: the PropertyMap (every tag
// field, including album artist, disc number and MusicBrainz IDs, which TagLib's own C API
// lacks), audio properties, and whether cover art is embedded.
//
// Files are always opened read-only.
#ifndef MUSICINDEX_TAGLIB_H
#define MUSICINDEX_TAGLIB_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// The container formats the reader can open; the caller decides by the file's content.
typedef enum {
    MI_TAGS_MP3 = 1,
    MI_TAGS_FLAC,
    MI_TAGS_OGG_VORBIS,
    MI_TAGS_OGG_OPUS,
    MI_TAGS_OGG_FLAC,
    MI_TAGS_OGG_SPEEX,
    MI_TAGS_MP4,
    MI_TAGS_WAV,
    MI_TAGS_AIFF,
    MI_TAGS_ASF,
    MI_TAGS_WAVPACK,
    MI_TAGS_APE,
    MI_TAGS_MPC,
    MI_TAGS_TTA,
} mi_tags_format;

/// Result codes of mi_tags_read.
typedef enum {
    MI_TAGS_OK = 0,
    MI_TAGS_ERR_OPEN = 1,        // the file could not be opened for reading
    MI_TAGS_ERR_INVALID = 2,     // TagLib could not parse the file as the given format
    MI_TAGS_ERR_UNSUPPORTED = 3, // unknown format value
    MI_TAGS_ERR_INTERNAL = 4,    // an exception inside TagLib (message in the error buffer)
} mi_tags_status;

/// What one file holds. Strings are UTF-8 and owned by the struct; free with mi_tags_free.
typedef struct {
    int length_ms;        // 0 when unknown
    int bitrate_kbps;     // 0 when unknown
    int sample_rate;      // Hz, 0 when unknown
    int channels;         // 0 when unknown
    int bits_per_sample;  // 0 when not meaningful (lossy codecs)
    const char *codec;    // static string: "mp3", "mp2", "aac", "alac", "flac", "vorbis", ...
    int has_cover;        // 1 when a picture is embedded in any tag
    size_t property_count;
    char **keys;          // property_count keys; a multi-valued key repeats, values in order
    char **values;        // property_count values
} mi_tags_info;

/// Reads the tags and audio properties of `path`, opened read-only as `format`.
/// On failure returns a non-zero mi_tags_status and writes a message into `error`.
int mi_tags_read(const char *path, int format, mi_tags_info *out, char *error, size_t error_size);

/// An open file to read, with bytes of it that the caller already holds: the first
/// `head_length` bytes at `head` and the last `tail_length` bytes at `tail` (either may be
/// empty). Reads inside those ranges are served from them; the rest are read from `fd` with
/// pread, which does not move the descriptor's offset. The descriptor stays the caller's,
/// open and unchanged.
typedef struct {
    int fd;
    const char *path;               // for messages only
    long long size;                 // the file's size in bytes
    const unsigned char *head;
    size_t head_length;
    const unsigned char *tail;
    size_t tail_length;
} mi_tags_source;

/// mi_tags_read over an already open file (see mi_tags_source); MI_TAGS_ERR_OPEN for a
/// source that makes no sense (no descriptor, cached bytes longer than the file).
int mi_tags_read_source(const mi_tags_source *source, int format, mi_tags_info *out, char *error, size_t error_size);

/// Releases what mi_tags_read allocated in `info` (safe on a zeroed struct).
void mi_tags_free(mi_tags_info *info);

#ifdef __cplusplus
}
#endif

#endif
