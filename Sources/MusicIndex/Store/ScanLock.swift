#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An exclusive advisory lock (`flock`) on `<library>-scan.lock`, held by a running scan.
///
/// A scan that is killed cannot record how it ended, so its row in `scans` stays `running`.
/// The kernel releases the lock of a dead process, so a scan that obtains the lock knows that
/// no other scan of this library is alive, and that every scan still recorded as running
/// was stopped without a word. Scans never wait for the lock: one that does not get it (a
/// concurrent scan holds it, or the file cannot be created) simply leaves those rows alone.
final class ScanLock {
    private let descriptor: Int32

    /// Takes the lock of the library at `libraryPath`, or returns nil when it is held.
    init?(libraryPath: String) {
        let fd = open(libraryPath + "-scan.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return nil }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            return nil
        }
        descriptor = fd
    }

    /// Closing the descriptor releases the lock.
    deinit { close(descriptor) }
}
