import Foundation
import MusicIndex
import Synchronization

/// A one-line progress display on stderr: a bar, files done / total, rate and ETA.
/// Redrawn at most ten times a second; disabled when stderr is not a terminal.
final class ProgressBar: Sendable {
    private let enabled: Bool
    private let lastDraw = Mutex<(time: Double, drawn: Bool)>((0, false))

    init(enabled: Bool) { self.enabled = enabled }

    func update(_ progress: ScanProgress) {
        guard enabled else { return }
        let now = progress.elapsedSeconds
        let shouldDraw = lastDraw.withLock { state in
            guard now - state.time >= 0.1 || (progress.done == progress.total && !progress.walking) else { return false }
            state = (now, true)
            return true
        }
        guard shouldDraw else { return }
        let fraction = progress.total > 0 ? Double(progress.done) / Double(progress.total) : 1
        let width = 28
        let filled = Int(fraction * Double(width))
        let rate = progress.elapsedSeconds > 0 ? Double(progress.done) / progress.elapsedSeconds : 0
        let remaining = rate > 0 ? Double(progress.total - progress.done) / rate : 0
        // While the walk is still finding files the total is a lower bound, and there is no ETA yet.
        let total = progress.walking ? "\(progress.total)+" : "\(progress.total)"
        let eta = progress.walking ? "--:--" : Self.clock(remaining)
        let line = "\r[\(String(repeating: "#", count: filled))\(String(repeating: " ", count: width - filled))] "
            + "\(progress.done)/\(total) files  \(String(format: "%.1f", rate)) files/s  ETA \(eta)\u{1B}[K"
        FileHandle.standardError.write(Data(line.utf8))
    }

    func finish() {
        guard enabled, lastDraw.withLock({ $0.drawn }) else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }

    static func clock(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        return total >= 3600
            ? String(format: "%d:%02d:%02d", total / 3600, total / 60 % 60, total % 60)
            : String(format: "%d:%02d", total / 60, total % 60)
    }
}
