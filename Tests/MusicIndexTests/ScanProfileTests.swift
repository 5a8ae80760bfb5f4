import Foundation
import Testing
@testable import MusicIndex

@Suite struct ScanProfileTests {
    /// Two tracks at 44.1 kHz (so resampling runs), scanned with the fixture model.
    static func library(_ name: String = #function) throws -> String {
        let folder = try TestSupport.temporaryFolder(name)
        for (index, bpm) in [100.0, 128.0].enumerated() {
            try writeWAV(clickTrack(bpm: bpm, seconds: 6, sampleRate: 44100), sampleRate: 44100, channels: 2,
                         to: folder + "/track\(index).wav")
        }
        return folder
    }

    static let model = TestSupport.fixtures.appendingPathComponent("model/tiny.safetensors").path

    @Test("a profiled scan times every stage, and the stages fit in the scan's time")
    func stagesAreTimed() async throws {
        let folder = try Self.library()
        let library = try Library(path: folder + ".sqlite")
        let options = ScanOptions(roots: [folder], jobs: 2, modelPath: Self.model, profile: true)
        let summary = try await LibraryScanner(library: library, options: options).run()
        #expect(summary.new == 2 && summary.failed == 0)
        let profile = try #require(summary.profile)
        #expect(profile.workers == 2)
        for stage in ProfileStage.allCases {
            let entry = profile.stages[stage]
            #expect(entry.calls > 0, "\(stage) was not timed")
            #expect(entry.wallSeconds >= 0 && entry.cpuSeconds >= 0)
        }
        // One probe and one tag read per file, and at least one CRNN call per analysed file.
        #expect(profile.stages[.tags].calls == 2)
        #expect(profile.stages[.model].calls == 2)
        let total = profile.stages.total
        #expect(total.cpuSeconds > 0)
        // Workers and the writer overlap, so stage wall time is bounded by (workers + 1) x elapsed;
        // CPU by what the process used (clock granularity: a little slack).
        #expect(total.wallSeconds <= Double(profile.workers + 1) * profile.elapsedSeconds + 0.01)
        #expect(total.cpuSeconds <= profile.processCPUSeconds + 0.01)
        #expect(profile.elapsedSeconds == summary.elapsedSeconds)
    }

    @Test("an unprofiled scan reports no profile")
    func offByDefault() async throws {
        let folder = try Self.library()
        let (_, summary) = try await TestSupport.scan([folder], db: folder + ".sqlite")
        #expect(summary.profile == nil)
    }

    @Test("a disabled profile records nothing; merging adds stage by stage")
    func mergeAndDisabled() {
        var disabled = StageProfile.disabled
        disabled.measure(.decode) { }
        #expect(disabled[.decode].calls == 0)
        var a = StageProfile(), b = StageProfile()
        a.add(.decode, wall: .milliseconds(3), cpu: 0.002)
        b.add(.decode, wall: .milliseconds(5), cpu: 0.004)
        b.add(.model, wall: .milliseconds(7), cpu: 0.006)
        a.merge(b)
        #expect(a[.decode].calls == 2 && abs(a[.decode].wallSeconds - 0.008) < 1e-12 && abs(a[.decode].cpuSeconds - 0.006) < 1e-12)
        #expect(a[.model].calls == 1)
        #expect(abs(a.total.wallSeconds - 0.015) < 1e-12)
    }

    @Test("scan --profile prints the stage table after the summary and adds it to --json")
    func commandLine() throws {
        let folder = try Self.library()
        let text = try CLITests.run(["scan", "--db", folder + ".sqlite", "--model", Self.model, "--profile", folder])
        #expect(text.status == 0)
        let lines = text.stdout.split(separator: "\n").map(String.init)
        let summaryLine = try #require(lines.firstIndex { $0.hasPrefix("Scan complete") })
        let profileLine = try #require(lines.firstIndex { $0.hasPrefix("Profile: 2 workers") })
        #expect(summaryLine < profileLine)
        for stage in ProfileStage.allCases { #expect(lines.contains { $0.hasPrefix("  " + stage.title) }) }

        let json = try CLITests.run(["scan", "--db", folder + "-2.sqlite", "--model", Self.model, "--profile", "--json", folder])
        let document = try CLITests.json(json.stdout)
        let profile = try #require(document["profile"] as? [String: Any])
        let stages = try #require(profile["stages"] as? [[String: Any]])
        #expect(stages.map { $0["stage"] as? String } == ProfileStage.allCases.map(\.rawValue))
        #expect(stages.allSatisfy { ($0["cpu_seconds"] as? Double ?? -1) >= 0 && ($0["calls"] as? Int ?? 0) > 0 })
        #expect(profile["process_cpu_seconds"] as? Double ?? 0 > 0)

        let plain = try CLITests.run(["scan", "--db", folder + "-3.sqlite", "--model", Self.model, "--json", folder])
        #expect(try CLITests.json(plain.stdout)["profile"] == nil)
    }
}
