import Foundation
import Testing
@testable import MusicIndex

/// `musicindex features` as the training pipeline runs it.
@Suite struct FeaturesCLITests {
    static let example = TestSupport.packageRoot.appendingPathComponent("examples/music/Static Engines/Overdrive/01 - Redline.mp3").path

    @Test("features writes the segments as .npy and prints the features as JSON lines")
    func jsonAndNPY() throws {
        let out = try TestSupport.temporaryFolder()
        let text = TestSupport.tagFixtures.appendingPathComponent("text.mp3").path
        let run = try CLITests.run(["features", "--json", "--out", out, Self.example, text])
        #expect(run.status == 1, "a failing file makes the exit status 1")
        #expect(run.stderr.contains("text.mp3") && run.stderr.contains("plain text"))
        let lines = run.stdout.split(separator: "\n")
        #expect(lines.count == 1)
        let record = try CLITests.json(String(lines[0]))
        #expect(record["backend"] as? String == "libmpg123")
        let shape = try #require(record["segmentsShape"] as? [Int])
        #expect(shape.count == 3 && shape[1] == 128 && shape[2] == 128 && shape[0] >= 2)
        let features = try #require(record["features"] as? [String: Any])
        #expect((features["tempo"] as? Double).map { $0 > 40 && $0 < 250 } == true)
        #expect((features["mfccMean"] as? [Double])?.count == 13)
        let npy = try Data(contentsOf: URL(fileURLWithPath: out + "/01 - Redline.npy"))
        #expect(npy.count == 128 + shape.reduce(1, *) * 4)
    }

    @Test("a truncated file's readable and declared lengths are both reported")
    func truncated() throws {
        let path = try DecodeTests.truncatedCopy("source.flac", fraction: 0.6)
        let record = try CLITests.json(try CLITests.run(["features", "--json", path]).stdout)
        let readable = try #require(record["duration"] as? Double)
        #expect(readable > 0.9 && readable < 1.5)
        #expect(record["declaredDuration"] as? Double == 2.0)
        let text = try CLITests.run(["features", path]).stdout
        #expect(text.contains("declared duration    2.00 s (the rest is missing or damaged)"), "\(text)")
        #expect(!(try CLITests.run(["features", DecodeTests.path("source.flac")]).stdout.contains("declared duration")))
    }

    @Test("--segments-only --full skips the engineered features and covers the whole track")
    func segmentsOnly() throws {
        let out = try TestSupport.temporaryFolder()
        let run = try CLITests.run(["features", "--json", "--full", "--segments-only", "--out", out, Self.example])
        #expect(run.status == 0, "\(run.stderr)")
        let record = try CLITests.json(run.stdout)
        #expect(record["features"] == nil)
        #expect(FileManager.default.fileExists(atPath: out + "/01 - Redline.npy"))
    }

    @Test("--full --spectrogram writes the whole track's mel-spectrogram for training crops")
    func spectrogram() throws {
        let out = try TestSupport.temporaryFolder()
        let run = try CLITests.run(["features", "--json", "--full", "--spectrogram", "--segments-only", "--out", out, Self.example])
        #expect(run.status == 0, "\(run.stderr)")
        let record = try CLITests.json(run.stdout)
        let shape = try #require(record["segmentsShape"] as? [Int])
        #expect(shape.count == 2 && shape[0] == 128 && shape[1] > 300)
        let npy = try Data(contentsOf: URL(fileURLWithPath: out + "/01 - Redline.npy"))
        #expect(npy.count == 128 + shape[0] * shape[1] * 4)
        #expect(try CLITests.run(["features", "--spectrogram", Self.example]).status != 0, "--spectrogram needs --full")
    }
}

/// `musicindex model info`.
@Suite struct ModelCLITests {
    @Test("model info prints the metadata of a model file; a broken file is a clear error")
    func info() throws {
        let model = TestSupport.fixtures.appendingPathComponent("model/wide.safetensors").path
        let run = try CLITests.run(["model", "info", "--json", "--model", model])
        #expect(run.status == 0, "\(run.stderr)")
        let document = try CLITests.json(run.stdout)
        #expect(document["labels"] as? [String] == ["ambient", "hip-hop", "metal"])
        #expect(document["gruHidden"] as? Int == 7)
        let broken = try CLITests.run(["model", "info", "--model", TestSupport.tagFixtures.appendingPathComponent("text.mp3").path])
        #expect(broken.status == 1)
        #expect(broken.stderr.contains("text.mp3 is not a usable musicindex model: "))
        let missing = try CLITests.run(["model", "info", "--model", "/nonexistent.safetensors"])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("model file /nonexistent.safetensors does not exist"))
    }

    @Test("the shipped default model loads, and a scan of the example music classifies every clip with it")
    func shippedModel() throws {
        let info = try CLITests.run(["model", "info", "--json"])
        #expect(info.status == 0, "\(info.stderr)")
        let document = try CLITests.json(info.stdout)
        #expect(document["name"] as? String == "musicindex-genres")
        #expect((document["labels"] as? [String])?.count == 10)
        #expect(document["gruHidden"] as? Int == 500)

        let folder = try TestSupport.temporaryFolder()
        let db = folder + "/library.sqlite"
        let scan = try CLITests.run(["scan", "--quiet", "--db", db, TestSupport.packageRoot.appendingPathComponent("examples/music").path])
        #expect(scan.status == 0, "\(scan.stderr)")
        let library = try Library(path: db)
        let tracks = try library.allTracks()
        #expect(tracks.count == 6)
        for track in tracks {
            let analysis = try #require(try library.genreAnalysis(audioHash: track.audioHash), "\(track.path)")
            #expect(analysis.model.name == "musicindex-genres")
            #expect(analysis.probabilities.count == 10 && analysis.embedding.count == 500)
        }
    }
}

/// `musicindex similar --json` and `radio` as a user runs them.
@Suite struct QueryCLITests {
    @Test("similar --json lists results with score, genre and why; radio writes a playlist; a bad seed is a clear error")
    func similarJSON() throws {
        let folder = try TestSupport.temporaryFolder()
        let db = folder + "/library.sqlite"
        let music = TestSupport.packageRoot.appendingPathComponent("examples/music").path
        #expect(try CLITests.run(["scan", "--quiet", "--db", db, music]).status == 0)
        let run = try CLITests.run(["similar", "--json", "--db", db, "-n", "3", "Static Engines - Redline"])
        #expect(run.status == 0, "\(run.stderr)")
        let items = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [[String: Any]])
        #expect(items.count == 3)
        for item in items {
            #expect(item["path"] is String && item["score"] is Double && item["genre"] is String)
            #expect((item["why"] as? [String: Double])?.keys.sorted() == ["embedding", "genres"], "the default weights")
        }
        let radio = try CLITests.run(["radio", "--db", db, "-n", "4", "-o", folder + "/radio.m3u8", "Redline"])
        #expect(radio.status == 0, "\(radio.stderr)")
        let playlist = try String(contentsOfFile: folder + "/radio.m3u8", encoding: .utf8)
        #expect(playlist.hasPrefix("#EXTM3U\n") && playlist.components(separatedBy: "#EXTINF:").count == 5)
        let missing = try CLITests.run(["similar", "--db", db, "no such song anywhere"])
        #expect(missing.status == 1 && missing.stderr.contains("no track matches"))
    }
}
