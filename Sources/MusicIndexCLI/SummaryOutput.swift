import Foundation
import MusicIndex
internal import CPUCheck

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
        if let profile = summary.profile { printProfile(profile) }
    }

    /// The instruction level the program was compiled for (scripts/build-release.sh).
    static var buildCPULevel: String { String(cString: musicindex_build_cpu_level()) }

    /// The per-stage table of `scan --profile`.
    static func printProfile(_ profile: ScanProfile) {
        let total = profile.stages.total
        Swift.print("Profile: \(profile.workers) workers, \(String(format: "%.2f", profile.elapsedSeconds)) s elapsed, "
            + "\(String(format: "%.2f", profile.processCPUSeconds)) s CPU in the process; stage times summed over workers"
            + (profile.productKernel.map { "; CRNN products: \($0)" } ?? "")
            + (profile.blasKernels.map { "; OpenBLAS kernels: \($0)" } ?? "") + "; build: \(buildCPULevel)")
        Swift.print("  " + "stage".padding(toLength: 22, withPad: " ", startingAt: 0) + "    wall s     cpu s   cpu share")
        func row(_ title: String, _ entry: StageProfile.Entry) {
            let share = total.cpuSeconds > 0 ? 100 * entry.cpuSeconds / total.cpuSeconds : 0
            Swift.print("  " + title.padding(toLength: 22, withPad: " ", startingAt: 0)
                + String(format: "%10.3f%10.3f%10.1f %%", entry.wallSeconds, entry.cpuSeconds, share))
        }
        for stage in ProfileStage.allCases { row(stage.title, profile.stages[stage]) }
        row("all stages", total)
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
        let profile: Profile?

        enum CodingKeys: String, CodingKey {
            case status, database, new, updated, unchanged, removed, failed, failures, warnings, profile
            case stillFailing = "still_failing", elapsedSeconds = "elapsed_seconds"
        }
    }

    /// `scan --profile`: seconds per stage, summed over workers.
    struct Profile: Encodable {
        struct Stage: Encodable {
            let stage: String
            let wallSeconds, cpuSeconds: Double
            let calls: Int

            enum CodingKeys: String, CodingKey {
                case stage, calls
                case wallSeconds = "wall_seconds", cpuSeconds = "cpu_seconds"
            }
        }

        let workers: Int
        let elapsedSeconds, processCPUSeconds: Double
        let stages: [Stage]
        let blasKernels: String?
        let productKernel: String?
        let build: String

        enum CodingKeys: String, CodingKey {
            case workers, stages, build
            case blasKernels = "blas_kernels", productKernel = "product_kernel"
            case elapsedSeconds = "elapsed_seconds", processCPUSeconds = "process_cpu_seconds"
        }

        init(_ profile: ScanProfile) {
            workers = profile.workers
            elapsedSeconds = profile.elapsedSeconds
            processCPUSeconds = profile.processCPUSeconds
            blasKernels = profile.blasKernels
            productKernel = profile.productKernel
            build = SummaryText.buildCPULevel
            stages = ProfileStage.allCases.map { stage in
                let entry = profile.stages[stage]
                return Stage(stage: stage.rawValue, wallSeconds: entry.wallSeconds, cpuSeconds: entry.cpuSeconds,
                             calls: entry.calls)
            }
        }
    }

    static func render(_ summary: ScanSummary, database: String) throws -> String {
        let document = Document(
            status: summary.interrupted ? "interrupted" : "completed", database: database,
            new: summary.new, updated: summary.updated, unchanged: summary.unchanged, removed: summary.removed,
            failed: summary.failed, stillFailing: summary.stillFailing, elapsedSeconds: summary.elapsedSeconds,
            failures: summary.failures, warnings: summary.warnings, profile: summary.profile.map(Profile.init))
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
