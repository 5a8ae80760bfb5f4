import Foundation

// Fuzz targets for everything a scan does with a music file's bytes. Each input is written
// to a file (the readers take paths, as in a scan) and read the way the scanner reads it.
// Refusing an input with an error is fine; a crash, a trap (overflow, out-of-range index),
// a broken contract (checked with precondition) or an AddressSanitizer report is a bug.
// TagLib, libmpg123, libsndfile and FFmpeg are the system's uninstrumented builds: a crash
// inside them is caught, but coverage guidance comes from musicindex's own code.

/// The file each input is written to (in memory when /dev/shm exists).
let fuzzInputPath: String = {
    let folder = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
    return "\(folder)/musicindex-fuzz-\(getpid()).mp3"
}()

func writeInput(_ bytes: [UInt8]) {
    let written = FileManager.default.createFile(atPath: fuzzInputPath, contents: Data(bytes))
    precondition(written, "cannot write \(fuzzInputPath)")
}

/// The sniffed format, as the scanner's probe stage decides it.
func sniffedFormat() -> AudioFormat? {
    guard let file = try? ReadOnlyFile(path: fuzzInputPath),
          case .audio(let format)? = try? ContentSniffer.kind(of: file, fileExtension: "mp3")
    else { return nil }
    return format
}

/// "probe": content sniffing, payload location and the audio hash.
func fuzzProbe(_ bytes: [UInt8]) {
    writeInput(bytes)
    guard let file = try? ReadOnlyFile(path: fuzzInputPath) else { return }
    for fileExtension in ["mp3", "flac"] {
        guard case .audio(let format)? = try? ContentSniffer.kind(of: file, fileExtension: fileExtension) else { continue }
        guard let payload = try? AudioPayload.locate(in: file, format: format) else { continue }
        for range in payload.ranges {
            precondition(range.lowerBound >= 0 && range.upperBound <= file.size, "payload \(range) outside the file (\(file.size) bytes)")
        }
        if payload.length > 0, let hash = try? AudioHasher.hash(of: file, format: format, payload: payload) {
            precondition(!hash.isEmpty)
        }
    }
}

/// "tags": TagLib through the C++ shim, for the sniffed format, and the interpretation of
/// what it returns.
func fuzzTags(_ bytes: [UInt8]) {
    writeInput(bytes)
    guard let format = sniffedFormat() else { return }
    if case .success(let raw) = TagReader.read(path: fuzzInputPath, format: format) {
        let tags = TrackTags(raw: raw)
        precondition(tags.properties.count == raw.properties.count)
    }
}

/// Decodes from the start (at most `limit` frames), then from the middle and past the end,
/// checking the decoder contract on every read.
func exercise(_ decoder: any AudioDecoder, limit: Int = 1 << 20) {
    precondition(decoder.sampleRate > 0 && decoder.channels >= 1, "rate \(decoder.sampleRate), channels \(decoder.channels)")
    func readSome(_ frames: Int) -> Int {
        var buffer: [Float] = [1]
        var total = 0
        while total < frames {
            buffer.removeSubrange(1...)
            guard let got = try? decoder.read(appendingTo: &buffer, maxFrames: min(4096, frames - total)) else { break }
            precondition(got >= 0 && got <= 4096, "read returned \(got)")
            precondition(buffer.count == 1 + got * decoder.channels, "read appended \(buffer.count - 1) samples for \(got) frames")
            precondition(buffer[0] == 1, "read overwrote what the buffer held")
            if got == 0 { break }
            total += got
        }
        return total
    }
    let decoded = readSome(limit)
    let middle = (decoder.frameCount ?? decoded) / 2
    if (try? decoder.seek(toFrame: middle)) != nil { _ = readSome(8192) }
    if (try? decoder.seek(toFrame: 0)) != nil { _ = readSome(4096) }
    _ = try? decoder.seek(toFrame: Int(Int32.max))
    _ = readSome(4096)
}

/// "mpg123", "sndfile", "ffmpeg": each decoder on any content (the scanner chooses by
/// content, but a damaged file can look like anything).
func fuzzMPG123(_ bytes: [UInt8]) {
    writeInput(bytes)
    if let decoder = try? MPG123Decoder(path: fuzzInputPath) { exercise(decoder) }
}

func fuzzSndFile(_ bytes: [UInt8]) {
    writeInput(bytes)
    if let decoder = try? SndFileDecoder(path: fuzzInputPath) { exercise(decoder) }
}

func fuzzFFmpeg(_ bytes: [UInt8]) {
    writeInput(bytes)
    if let decoder = try? FFmpegDecoder(path: fuzzInputPath) { exercise(decoder) }
}

/// "reader": the analysis input as a scan computes it: sniffing, the decoder it chooses,
/// down-mixing and resampling to 22050 Hz, for the start of the track and a window in its
/// middle.
func fuzzReader(_ bytes: [UInt8]) {
    writeInput(bytes)
    guard let reader = try? AudioReader(path: fuzzInputPath) else { return }
    for (start, duration) in [(0.0, 3.0), ((reader.duration ?? 0) / 2, 1.0)] {
        guard let signal = try? reader.signal(from: start, duration: duration) else { continue }
        precondition(signal.count <= Int(duration * 22050) + 1, "\(signal.count) samples for \(duration) s")
    }
}
