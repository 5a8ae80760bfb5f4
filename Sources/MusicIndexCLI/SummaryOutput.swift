import Foundation
import MusicIndex

/// The end-of-scan report for people.
enum SummaryText {
    static func print(_ summary: ScanSummary, database: String) {
        let status = summary.interrupted ? "Scan interrupted" : "Scan complete"
        Swift.print("\(status) in \(String(format: "%.1f", summary.elapsedSeconds)) s: "
            + "\(summary.new) new, \(summary.updated) updated, \(summary.unchanged) unchanged, "
            + "\(summary.removed) removed, \(summary.failed) failed.")
        if summary.stillFailing > 0 {
            Swift.print("\(summary.stillFailing) files that failed before are unchanged (musicindex stats --failures lists them).")
        }
        if !summary.failures.isEmpty {
            Swift.print("Failures:")
            for failure in summary.failures.prefix(50) {
                Swift.print(TerminalText.line("  \(failure.path): \(failure.reason)"))
            }
            if summary.failures.count > 50 {
                Swift.print("  ... and \(summary.failures.count - 50) more (musicindex stats --failures)")
            }
        }
        for warning in summary.warnings { Swift.print(TerminalText.line("Warning: \(warning)")) }
        if summary.interrupted { Swift.print("Work done so far is saved; run the same scan again to finish.") }
        Swift.print("Library: \(database)")
    }
}

/// The end-of-scan report for scripts (`--json`).
enum SummaryJSON {
    struct Document: Encodable {
        let status: String
        let database: String
        let new, updated, unchanged, removed, failed, stillFailing: Int
        let elapsedSeconds: Double
        let failures: [FailureRecord]
        let warnings: [String]

        enum CodingKeys: String, CodingKey {
            case status, database, new, updated, unchanged, removed, failed, failures, warnings
            case stillFailing = "still_failing", elapsedSeconds = "elapsed_seconds"
        }
    }

    static func render(_ summary: ScanSummary, database: String) throws -> String {
        let document = Document(
            status: summary.interrupted ? "interrupted" : "completed", database: database,
            new: summary.new, updated: summary.updated, unchanged: summary.unchanged, removed: summary.removed,
            failed: summary.failed, stillFailing: summary.stillFailing, elapsedSeconds: summary.elapsedSeconds,
            failures: summary.failures, warnings: summary.warnings)
        return try JSONOutput.string(document)
    }
}

enum JSONOutput {
    static func string(_ value: some Encodable, pretty: Bool = true) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
