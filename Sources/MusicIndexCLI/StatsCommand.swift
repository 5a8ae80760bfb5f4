import ArgumentParser
import Foundation
import MusicIndex

struct StatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats", abstract: "Counts by format and genre tag, failures, and the last scan.")

    @OptionGroup var library: LibraryOptions

    @Flag(help: "List every stored failure with its reason.")
    var failures = false

    @Flag(help: "Print as JSON.")
    var json = false

    func run() throws {
        let store = try library.open(readOnly: true)
        do {
            let stats = try store.stats()
            let failureList = failures ? try store.allFailures() : []
            if json {
                struct Document: Encodable {
                    let stats: LibraryStats
                    let failureList: [FailureRecord]?
                    enum CodingKeys: String, CodingKey { case stats, failureList = "failure_list" }
                }
                print(try JSONOutput.string(Document(stats: stats, failureList: failures ? failureList : nil)))
                return
            }
            print("Library: \(store.path)")
            print("Tracks: \(stats.tracks)  (\(Self.hours(stats.totalDuration)), \(Self.bytes(stats.totalBytes)))")
            print("Analysed: \(stats.analysed) (engineered features stored)")
            print("Failures: \(stats.failures)")
            Self.table("By format", stats.byFormat)
            Self.table("By genre tag", stats.byGenreTag)
            if let model = stats.model { Self.table("By predicted genre (\(model))", stats.byPredictedGenre) }
            Self.table("Failures by stage", stats.failuresByStage)
            if let scan = stats.lastScan {
                print("\nLast scan: \(scan.startedAt) (\(scan.status)): \(scan.new) new, \(scan.updated) updated, "
                    + "\(scan.unchanged) unchanged, \(scan.removed) removed, \(scan.failed) failed")
            }
            if failures && !failureList.isEmpty {
                print("\nFailures:")
                for failure in failureList { print(TerminalText.line("  \(failure.path) [\(failure.stage)]: \(failure.reason)")) }
            }
        } catch {
            throw CLIError(String(describing: error))
        }
    }

    static func table(_ title: String, _ counts: [LibraryStats.Count]) {
        guard !counts.isEmpty else { return }
        print("\n\(title):")
        let width = counts.map(\.name.count).max() ?? 0
        for count in counts {
            print("  \(count.name.padding(toLength: max(width, 4), withPad: " ", startingAt: 0))  \(count.count)")
        }
    }

    static func hours(_ seconds: Double) -> String {
        let total = Int(seconds)
        return String(format: "%d:%02d:%02d", total / 3600, total / 60 % 60, total % 60)
    }

    static func bytes(_ count: Int64) -> String {
        let units = ["B", "KB", "MB", "GB", "TB"]
        var value = Double(count)
        var unit = 0
        while value >= 1000 && unit < units.count - 1 { value /= 1000; unit += 1 }
        return unit == 0 ? "\(count) B" : String(format: "%.1f %@", value, units[unit])
    }
}
