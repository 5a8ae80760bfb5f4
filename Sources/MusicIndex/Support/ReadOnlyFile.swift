#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file opened for reading only. The library's music files are only ever opened through
/// this type (and the read-only streams of the tag reader and the decoders), so no code path
/// can write to them.
final class ReadOnlyFile {
    let path: String
    let size: Int64
    private let descriptor: Int32
    private let access: Access
    /// The first and last bytes of a `.random` file, read on first use: the probe's many
    /// small reads of headers and trailing tags are served from them. The head grows in
    /// `headStep` pieces as far as reads reach, up to `headLength`; `headShort` is set when the
    /// file ended (or shrank) before the head did.
    private var head: [UInt8]?
    private var headShort = false
    private var tail: [UInt8]?
    static let headLength = 16 * 1024
    static let headStep = 4 * 1024
    static let tailLength = 4 * 1024
    /// Reads up to this long may be served from `head` and `tail`.
    static let smallRead = 4 * 1024

    /// How the file will be read, passed to the kernel as read-ahead advice.
    enum Access {
        /// A few scattered blocks (the probe and the hasher): no read-ahead.
        case random
        /// Front to back (decoding): aggressive read-ahead.
        case sequential
    }

    /// Opens `path` read-only; throws `FileOpenError` carrying errno.
    init(path: String, access: Access = .random) throws(FileOpenError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FileOpenError(path: path, code: errno) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let code = errno
            close(fd)
            throw FileOpenError(path: path, code: code)
        }
        self.path = path
        self.descriptor = fd
        self.size = Int64(info.st_size)
        self.access = access
        #if os(Linux)
        // The probe reads a few scattered blocks; read-ahead would pull in most of the file.
        _ = posix_fadvise(fd, 0, 0, Int32(access == .random ? POSIX_FADV_RANDOM : POSIX_FADV_SEQUENTIAL))
        #endif
    }

    /// Asks the kernel to start reading the whole of `path` into the page cache in the
    /// background (`POSIX_FADV_WILLNEED`), so that a decoder reading it later, front to back,
    /// finds it there instead of waiting for the disk. Only advice: nothing is read into
    /// this process, and a file that cannot be opened is simply not prefetched.
    static func prefetch(path: String) {
        #if os(Linux)
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = posix_fadvise(fd, 0, 0, Int32(POSIX_FADV_WILLNEED))
        close(fd)
        #endif
    }

    deinit { close(descriptor) }

    /// Reads up to `count` bytes at `offset`; fewer at the end of the file, none past it.
    func read(at offset: Int64, count: Int) throws(FileOpenError) -> [UInt8] {
        guard count > 0, offset >= 0, offset < size else { return [] }
        let wanted = Int(min(Int64(count), size - offset))
        if access == .random && wanted <= Self.smallRead {
            let end = offset + Int64(wanted)
            if end <= min(size, Int64(Self.headLength)) {
                if end > Int64(head?.count ?? 0) && !headShort { try extendHead(to: Int(end)) }
                if let head, end <= Int64(head.count) { return Array(head[Int(offset)..<Int(end)]) }
            }
            let tailStart = max(0, size - Int64(Self.tailLength))
            if offset >= tailStart {
                if tail == nil { tail = try readDirect(at: tailStart, count: Int(size - tailStart)) }
                if let tail, end - tailStart <= Int64(tail.count) {
                    return Array(tail[Int(offset - tailStart)..<Int(end - tailStart)])
                }
            }
        }
        return try readDirect(at: offset, count: wanted)
    }

    /// Calls `body` with the open descriptor and the first and last bytes of the file read so
    /// far (either may be empty; `tail` always ends at the end of the file). The descriptor
    /// must only be read with positioned reads and stays open.
    func withDescriptor<R>(_ body: (_ descriptor: Int32, _ head: UnsafeBufferPointer<UInt8>,
                                    _ tail: UnsafeBufferPointer<UInt8>) -> R) -> R {
        let head = self.head ?? []
        // A short tail read (the file shrank) does not end at the end of the file.
        let tail = self.tail.flatMap { $0.count == Int(size - max(0, size - Int64(Self.tailLength))) ? $0 : nil } ?? []
        return head.withUnsafeBufferPointer { head in
            tail.withUnsafeBufferPointer { tail in body(descriptor, head, tail) }
        }
    }

    /// Whether the file has been deleted since it was opened (it has no name left).
    var isDeleted: Bool {
        var info = stat()
        return fstat(descriptor, &info) == 0 && info.st_nlink == 0
    }

    /// Reads the head on to the `headStep` boundary at or after `end` (at most `headLength`).
    private func extendHead(to end: Int) throws(FileOpenError) {
        var bytes = head ?? []
        head = nil
        if bytes.isEmpty { bytes.reserveCapacity(Self.headLength) }
        let start = bytes.count
        let target = min(Self.headLength, (end + Self.headStep - 1) / Self.headStep * Self.headStep)
        guard target > start else { head = bytes; return }
        bytes.append(contentsOf: repeatElement(0, count: target - start))
        let read = bytes.withUnsafeMutableBytes { buffer in
            Result { () throws(FileOpenError) in
                try readFully(into: buffer.baseAddress! + start, count: target - start, at: Int64(start))
            }
        }
        switch read {
        case .failure(let error):
            bytes.removeSubrange(start...)
            head = bytes
            throw error
        case .success(let done):
            if done < target - start {
                bytes.removeSubrange((start + done)...)
                headShort = true
            }
            head = bytes
        }
    }

    private func readDirect(at offset: Int64, count: Int) throws(FileOpenError) -> [UInt8] {
        guard count > 0, offset >= 0, offset < size else { return [] }
        let wanted = Int(min(Int64(count), size - offset))
        var bytes = [UInt8](repeating: 0, count: wanted)
        let done = try bytes.withUnsafeMutableBytes { buffer in
            Result { () throws(FileOpenError) in try readFully(into: buffer.baseAddress!, count: wanted, at: offset) }
        }.get()
        if done < wanted { bytes.removeSubrange(done...) }
        return bytes
    }

    /// Reads `count` bytes at `offset` into `buffer`; returns how many there were.
    private func readFully(into buffer: UnsafeMutableRawPointer, count: Int, at offset: Int64) throws(FileOpenError) -> Int {
        var done = 0
        while done < count {
            let n = pread(descriptor, buffer + done, count - done, off_t(offset) + off_t(done))
            if n < 0 {
                if errno == EINTR { continue }
                throw FileOpenError(path: path, code: errno)
            }
            if n == 0 { break }
            done += n
        }
        return done
    }
}

/// An operating-system error opening or reading a file.
struct FileOpenError: Error {
    let path: String
    let code: Int32

    var vanished: Bool { code == ENOENT || code == ENOTDIR }
    var message: String { String(cString: strerror(code)) }
}
