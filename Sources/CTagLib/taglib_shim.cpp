// Implementation of musicindex_taglib.h over TagLib's C++ API. Every file is opened through a
// read-only FileStream, so TagLib can never write to a music file from here.
#include "musicindex_taglib.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include <taglib/aifffile.h>
#include <taglib/apefile.h>
#include <taglib/apetag.h>
#include <taglib/asffile.h>
#include <taglib/flacfile.h>
#include <taglib/id3v2framefactory.h>
#include <taglib/id3v2tag.h>
#include <taglib/mp4file.h>
#include <taglib/mpcfile.h>
#include <taglib/mpegfile.h>
#include <taglib/oggflacfile.h>
#include <taglib/opusfile.h>
#include <taglib/speexfile.h>
#include <taglib/tdebuglistener.h>
#include <taglib/tfilestream.h>
#include <taglib/tpropertymap.h>
#include <taglib/trueaudiofile.h>
#include <taglib/vorbisfile.h>
#include <taglib/wavfile.h>
#include <taglib/wavpackfile.h>
#include <taglib/xiphcomment.h>

#include <unistd.h>

namespace {

// TagLib's diagnostics go nowhere: failures are reported through return values.
class SilentListener : public TagLib::DebugListener {
public:
    void printMessage(const TagLib::String &) override {}
};

SilentListener silentListener;
struct InstallListener {
    InstallListener() { TagLib::setDebugListener(&silentListener); }
} installListener;

void setError(char *error, size_t size, const std::string &message) {
    if (error == nullptr || size == 0) return;
    std::snprintf(error, size, "%s", message.c_str());
}

char *copyString(const TagLib::String &value) {
    const std::string utf8 = value.to8Bit(true);
    char *copy = static_cast<char *>(std::malloc(utf8.size() + 1));
    if (copy == nullptr) throw std::bad_alloc();
    std::memcpy(copy, utf8.c_str(), utf8.size() + 1);
    return copy;
}

bool id3v2HasCover(TagLib::ID3v2::Tag *tag) {
    return tag != nullptr && !tag->frameListMap()["APIC"].isEmpty();
}

bool xiphHasCover(TagLib::Ogg::XiphComment *tag) {
    if (tag == nullptr) return false;
    return !tag->pictureList().isEmpty() || tag->contains("COVERART");
}

bool apeHasCover(TagLib::APE::Tag *tag) {
    if (tag == nullptr) return false;
    for (const auto &item : tag->itemListMap()) {
        if (item.first.upper().startsWith("COVER ART")) return true;
    }
    return false;
}

// A read-only TagLib stream over an open file descriptor. Reads are positioned (pread), so a
// seek is only arithmetic; reads that fall inside the bytes the caller already holds (the
// file's first and last bytes) are served from memory, and other small reads from one block
// of the file read ahead (TagLib walks MP4 atoms and Ogg pages in reads of a few bytes).
// There is no way to write: the write operations do nothing and readOnly() is true.
class DescriptorStream : public TagLib::IOStream {
public:
    DescriptorStream(const mi_tags_source *source)
        : path_(source->path), fd_(source->fd), size_(source->size), head_(source->head),
          headLength_(source->head_length), tail_(source->tail), tailLength_(source->tail_length),
          tailStart_(source->size - static_cast<long long>(source->tail_length)) {}

    TagLib::FileName name() const override { return path_; }

    TagLib::ByteVector readBlock(unsigned long length) override {
        if (length == 0 || position_ < 0 || position_ >= size_) return TagLib::ByteVector();
        const long long wanted = std::min<long long>(static_cast<long long>(length), size_ - position_);
        const long long end = position_ + wanted;
        if (end <= static_cast<long long>(headLength_)) {
            TagLib::ByteVector bytes(reinterpret_cast<const char *>(head_) + position_, static_cast<unsigned int>(wanted));
            position_ = end;
            return bytes;
        }
        if (tailLength_ > 0 && position_ >= tailStart_) {
            TagLib::ByteVector bytes(reinterpret_cast<const char *>(tail_) + (position_ - tailStart_),
                                     static_cast<unsigned int>(wanted));
            position_ = end;
            return bytes;
        }
        if (wanted <= static_cast<long long>(sizeof(block_))) {
            if (position_ < blockStart_ || end > blockStart_ + blockLength_) {
                // The block starts at the read, or ends at the end of the file when the read
                // is near it (TagLib looks for the last Ogg page backwards from the end).
                blockStart_ = std::max(0LL, std::min(position_, size_ - static_cast<long long>(sizeof(block_))));
                blockLength_ = readAt(block_, static_cast<long long>(sizeof(block_)), blockStart_);
            }
            const long long available = std::max(0LL, std::min(end, blockStart_ + blockLength_) - position_);
            TagLib::ByteVector bytes(block_ + (position_ - blockStart_), static_cast<unsigned int>(available));
            position_ += available;
            return bytes;
        }
        TagLib::ByteVector bytes(static_cast<unsigned int>(wanted), 0);
        const long long done = readAt(bytes.data(), wanted, position_);
        if (done < wanted) bytes.resize(static_cast<unsigned int>(done));
        position_ += done;
        return bytes;
    }

    void writeBlock(const TagLib::ByteVector &) override {}
    void insert(const TagLib::ByteVector &, unsigned long, unsigned long) override {}
    void removeBlock(unsigned long, unsigned long) override {}
    void truncate(long) override {}
    bool readOnly() const override { return true; }
    bool isOpen() const override { return fd_ >= 0; }

    void seek(long offset, Position p) override {
        long long target = offset;
        if (p == Current) target += position_;
        else if (p == End) target += size_;
        if (target >= 0) position_ = target;
    }

    long tell() const override { return static_cast<long>(position_); }
    long length() override { return static_cast<long>(size_); }

private:
    // Reads up to `count` bytes at `offset` into `buffer`; returns how many there were.
    long long readAt(char *buffer, long long count, long long offset) const {
        long long done = 0;
        while (done < count) {
            const ssize_t n = ::pread(fd_, buffer + done, static_cast<size_t>(count - done), static_cast<off_t>(offset + done));
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) break;
            done += n;
        }
        return done;
    }

    const char *path_;
    int fd_;
    long long size_;
    const unsigned char *head_;
    size_t headLength_;
    const unsigned char *tail_;
    size_t tailLength_;
    long long tailStart_;
    long long position_ = 0;
    char block_[4096];
    long long blockStart_ = 0;
    long long blockLength_ = 0;
};

// Opens the file as `format` and fills codec and has_cover; the caller reads the rest.
std::unique_ptr<TagLib::File> openAs(int format, TagLib::IOStream *stream, mi_tags_info *out) {
    using namespace TagLib;
    ID3v2::FrameFactory *frames = ID3v2::FrameFactory::instance();
    switch (format) {
    case MI_TAGS_MP3: {
        auto file = std::make_unique<MPEG::File>(stream, frames, true, AudioProperties::Average);
        if (file->isValid()) {
            int layer = file->audioProperties() ? file->audioProperties()->layer() : 3;
            out->codec = layer == 1 ? "mp1" : layer == 2 ? "mp2" : "mp3";
            out->has_cover = id3v2HasCover(file->ID3v2Tag()) || apeHasCover(file->APETag());
        }
        return file;
    }
    case MI_TAGS_FLAC: {
        auto file = std::make_unique<FLAC::File>(stream, frames, true, AudioProperties::Average);
        if (file->isValid()) {
            out->codec = "flac";
            if (file->audioProperties()) out->bits_per_sample = file->audioProperties()->bitsPerSample();
            out->has_cover = !file->pictureList().isEmpty() || id3v2HasCover(file->ID3v2Tag())
                || xiphHasCover(file->xiphComment());
        }
        return file;
    }
    case MI_TAGS_OGG_VORBIS: {
        auto file = std::make_unique<Ogg::Vorbis::File>(stream, true, AudioProperties::Average);
        if (file->isValid()) { out->codec = "vorbis"; out->has_cover = xiphHasCover(file->tag()); }
        return file;
    }
    case MI_TAGS_OGG_OPUS: {
        auto file = std::make_unique<Ogg::Opus::File>(stream, true, AudioProperties::Average);
        if (file->isValid()) { out->codec = "opus"; out->has_cover = xiphHasCover(file->tag()); }
        return file;
    }
    case MI_TAGS_OGG_FLAC: {
        auto file = std::make_unique<Ogg::FLAC::File>(stream, true, AudioProperties::Average);
        if (file->isValid()) {
            out->codec = "flac";
            if (file->audioProperties()) out->bits_per_sample = file->audioProperties()->bitsPerSample();
            out->has_cover = xiphHasCover(file->tag());
        }
        return file;
    }
    case MI_TAGS_OGG_SPEEX: {
        auto file = std::make_unique<Ogg::Speex::File>(stream, true, AudioProperties::Average);
        if (file->isValid()) { out->codec = "speex"; out->has_cover = xiphHasCover(file->tag()); }
        return file;
    }
    case MI_TAGS_MP4: {
        auto file = std::make_unique<MP4::File>(stream, true, AudioProperties::Average);
        if (file->isValid()) {
            MP4::Properties *props = file->audioProperties();
            out->codec = !props ? "unknown"
                : props->codec() == MP4::Properties::AAC ? "aac"
                : props->codec() == MP4::Properties::ALAC ? "alac" : "unknown";
            if (props && props->codec() == MP4::Properties::ALAC) out->bits_per_sample = props->bitsPerSample();
            out->has_cover = file->tag() != nullptr && file->tag()->contains("covr");
        }
        return file;
    }
    case MI_TAGS_WAV: {
        auto file = std::make_unique<RIFF::WAV::File>(stream, true, AudioProperties::Average);
        if (file->isValid()) {
            RIFF::WAV::Properties *props = file->audioProperties();
            int fmt = props ? props->format() : 0;
            out->codec = fmt == 1 ? "pcm" : fmt == 3 ? "pcm_float" : fmt == 0x55 ? "mp3" : "wav";
            if (props) out->bits_per_sample = props->bitsPerSample();
            out->has_cover = id3v2HasCover(file->ID3v2Tag());
        }
        return file;
    }
    case MI_TAGS_AIFF: {
        auto file = std::make_unique<RIFF::AIFF::File>(stream, true, AudioProperties::Average);
        if (file->isValid()) {
            RIFF::AIFF::Properties *props = file->audioProperties();
            out->codec = props && props->isAiffC() ? "aifc" : "pcm";
            if (props) out->bits_per_sample = props->bitsPerSample();
            out->has_cover = id3v2HasCover(file->tag());
        }
        return file;
    }
    case MI_TAGS_ASF: {
        auto file = std::make_unique<ASF::File>(stream, true, AudioProperties::Average);
        if (file->isValid()) {
            out->codec = "wma";
            if (file->audioProperties()) out->bits_per_sample = file->audioProperties()->bitsPerSample();
            out->has_cover = file->tag() != nullptr && file->tag()->contains("WM/Picture");
        }
        return file;
    }
    case MI_TAGS_WAVPACK: {
        auto file = std::make_unique<WavPack::File>(stream, true, AudioProperties::Average);
        if (file->isValid()) {
            out->codec = "wavpack";
            if (file->audioProperties()) out->bits_per_sample = file->audioProperties()->bitsPerSample();
            out->has_cover = apeHasCover(file->APETag());
        }
        return file;
    }
    case MI_TAGS_APE: {
        auto file = std::make_unique<APE::File>(stream, true, AudioProperties::Average);
        if (file->isValid()) {
            out->codec = "ape";
            if (file->audioProperties()) out->bits_per_sample = file->audioProperties()->bitsPerSample();
            out->has_cover = apeHasCover(file->APETag());
        }
        return file;
    }
    case MI_TAGS_MPC: {
        auto file = std::make_unique<MPC::File>(stream, true, AudioProperties::Average);
        if (file->isValid()) { out->codec = "musepack"; out->has_cover = apeHasCover(file->APETag()); }
        return file;
    }
    case MI_TAGS_TTA: {
        auto file = std::make_unique<TrueAudio::File>(stream, frames, true, AudioProperties::Average);
        if (file->isValid()) {
            out->codec = "tta";
            if (file->audioProperties()) out->bits_per_sample = file->audioProperties()->bitsPerSample();
            out->has_cover = id3v2HasCover(file->ID3v2Tag());
        }
        return file;
    }
    default:
        return nullptr;
    }
}

// Reads `stream` as `format` into `out` (see mi_tags_read).
int readTags(TagLib::IOStream *stream, int format, mi_tags_info *out, char *error, size_t error_size) {
    try {
        std::unique_ptr<TagLib::File> file = openAs(format, stream, out);
        if (!file) {
            setError(error, error_size, "unsupported format");
            return MI_TAGS_ERR_UNSUPPORTED;
        }
        if (!file->isValid()) {
            setError(error, error_size, "TagLib could not parse the stream");
            return MI_TAGS_ERR_INVALID;
        }
        if (const TagLib::AudioProperties *props = file->audioProperties()) {
            out->length_ms = props->lengthInMilliseconds();
            out->bitrate_kbps = props->bitrate();
            out->sample_rate = props->sampleRate();
            out->channels = props->channels();
        }
        const TagLib::PropertyMap properties = file->properties();
        size_t count = 0;
        for (const auto &entry : properties) count += entry.second.size();
        if (count > 0) {
            out->keys = static_cast<char **>(std::calloc(count, sizeof(char *)));
            out->values = static_cast<char **>(std::calloc(count, sizeof(char *)));
            if (out->keys == nullptr || out->values == nullptr) throw std::bad_alloc();
            out->property_count = count;
            size_t i = 0;
            for (const auto &entry : properties) {
                for (const auto &value : entry.second) {
                    out->keys[i] = copyString(entry.first);
                    out->values[i] = copyString(value);
                    ++i;
                }
            }
        }
        return MI_TAGS_OK;
    } catch (const std::exception &e) {
        mi_tags_free(out);
        setError(error, error_size, std::string("TagLib failed: ") + e.what());
        return MI_TAGS_ERR_INTERNAL;
    } catch (...) {
        mi_tags_free(out);
        setError(error, error_size, "TagLib failed with an unknown exception");
        return MI_TAGS_ERR_INTERNAL;
    }
}

} // namespace

extern "C" int mi_tags_read(const char *path, int format, mi_tags_info *out, char *error, size_t error_size) {
    std::memset(out, 0, sizeof(*out));
    out->codec = "unknown";
    try {
        // The second argument opens the stream read-only.
        TagLib::FileStream stream(path, true);
        if (!stream.isOpen()) {
            setError(error, error_size, "cannot open the file for reading");
            return MI_TAGS_ERR_OPEN;
        }
        return readTags(&stream, format, out, error, error_size);
    } catch (...) {
        setError(error, error_size, "TagLib failed with an unknown exception");
        return MI_TAGS_ERR_INTERNAL;
    }
}

extern "C" int mi_tags_read_source(const mi_tags_source *source, int format, mi_tags_info *out, char *error,
                                   size_t error_size) {
    std::memset(out, 0, sizeof(*out));
    out->codec = "unknown";
    if (source == nullptr || source->fd < 0 || source->size < 0
        || source->head_length > static_cast<unsigned long long>(source->size)
        || source->tail_length > static_cast<unsigned long long>(source->size)) {
        setError(error, error_size, "cannot open the file for reading");
        return MI_TAGS_ERR_OPEN;
    }
    try {
        DescriptorStream stream(source);
        return readTags(&stream, format, out, error, error_size);
    } catch (...) {
        setError(error, error_size, "TagLib failed with an unknown exception");
        return MI_TAGS_ERR_INTERNAL;
    }
}

extern "C" void mi_tags_free(mi_tags_info *info) {
    if (info == nullptr) return;
    for (size_t i = 0; i < info->property_count; ++i) {
        if (info->keys) std::free(info->keys[i]);
        if (info->values) std::free(info->values[i]);
    }
    std::free(info->keys);
    std::free(info->values);
    info->keys = nullptr;
    info->values = nullptr;
    info->property_count = 0;
}
