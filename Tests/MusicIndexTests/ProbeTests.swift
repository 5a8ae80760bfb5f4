import Foundation
import Testing
@testable import MusicIndex

@Suite struct ProbeTests {
    func probe(_ path: String) -> Result<TrackDraft, StageFailure> {
        do {
            let file = try ReadOnlyFile(path: path)
            var draft = TrackDraft(file: WalkedFile(path: path, size: file.size, mtimeNanoseconds: 0))
            try ProbeStage().run(&draft, file: file)
            return .success(draft)
        } catch let failure as StageFailure {
            return .failure(failure)
        } catch {
            return .failure(StageFailure(.open, "\(error)"))
        }
    }

    func failureReason(_ name: String) -> String? {
        if case .failure(let failure) = probe(TestSupport.tagFixtures.appendingPathComponent(name).path) { return failure.reason }
        return nil
    }

    @Test func badFilesGetSpecificReasons() {
        #expect(failureReason("empty.mp3") == "empty file (0 bytes)")
        #expect(failureReason("text.mp3") == "not an audio file: the content is plain text")
        #expect(failureReason("image.mp3") == "not an audio file: the content is a JPEG image")
    }

    /// An ID3v2 size field that runs past the end of the file hides where the audio starts.
    @Test func id3SizePastTheEndIsACorruptTag() throws {
        let folder = try TestSupport.temporaryFolder()
        var bytes = [UInt8](try Data(contentsOf: TestSupport.tagFixtures.appendingPathComponent("id3v23.mp3")))
        #expect(bytes.starts(with: Array("ID3".utf8)))
        bytes.replaceSubrange(6..<10, with: [0x5F, 0x7F, 0x7F, 0x7F])  // 200 MB, syncsafe
        try Data(bytes).write(to: URL(fileURLWithPath: folder + "/bogus.mp3"))
        guard case .failure(let failure) = probe(folder + "/bogus.mp3") else { Issue.record("expected a failure"); return }
        #expect(failure.stage == .probe && !failure.ignorable)
        #expect(failure.reason == "corrupt ID3v2 tag: its size field says the tags end at byte \(0x0BFF_FFFF + 10), "
                + "past the end of the file (\(bytes.count) bytes)")
    }

    @Test func nonAudioUnderAnotherNameIsIgnoredNotFailed() throws {
        let folder = try TestSupport.temporaryFolder()
        try Data("hello".utf8).write(to: URL(fileURLWithPath: folder + "/notes.readme"))
        guard case .failure(let failure) = probe(folder + "/notes.readme") else { Issue.record("expected a failure"); return }
        #expect(failure.ignorable)
    }

    @Test func audioIsRecognisedWithoutItsExtension() throws {
        let folder = try TestSupport.temporaryFolder()
        for (name, format) in [("vorbis.flac", AudioFormat.flac), ("id3v23.mp3", .mp3), ("opus.opus", .opus), ("aac.m4a", .mp4)] {
            let copy = folder + "/" + name.replacingOccurrences(of: ".", with: "_")
            try FileManager.default.copyItem(atPath: TestSupport.tagFixtures.appendingPathComponent(name).path, toPath: copy)
            guard case .success(let draft) = probe(copy) else { Issue.record("\(name) not recognised"); continue }
            #expect(draft.format == format)
        }
    }

    @Test func mpegSyncNeedsConsecutiveFrames() {
        // A lone sync word inside random bytes is not an MP3.
        var bytes = [UInt8](repeating: 0x41, count: 4096)
        bytes[100] = 0xFF; bytes[101] = 0xFB; bytes[102] = 0x90; bytes[103] = 0x64
        #expect(MPEGFrame.findStream(in: bytes, searchLength: 4096, requiredFrames: 2) == nil)
        #expect(ContentSniffer.kind(head: bytes, afterTags: bytes, hadID3: false, fileExtension: "mp3") == .notAudio("plain text"))
    }

    @Test func id3v2LengthIncludesFooter() {
        let header: [UInt8] = [0x49, 0x44, 0x33, 4, 0, 0x10, 0, 0, 0x01, 0x00]
        #expect(ID3v2.length(of: header, at: 0) == 10 + 128 + 10)
        #expect(ID3v2.length(of: [0x49, 0x44, 0x33, 4, 0, 0, 0x80, 0, 0, 0], at: 0) == nil)
    }
}

/// The audio fingerprint ignores tag blocks and sees the audio.
@Suite struct AudioHasherTests {
    func hash(_ path: String) throws -> String {
        let file = try ReadOnlyFile(path: path)
        let kind = try ContentSniffer.kind(of: file, fileExtension: "")
        guard case .audio(let format) = kind else { throw StageFailure(.probe, "not audio") }
        return try AudioHasher.hash(of: file, format: format, payload: try AudioPayload.locate(in: file, format: format))
    }

    /// Editing a tag (the title's text, in place) keeps the hash; a changed audio byte
    /// changes it.
    @Test(arguments: ["id3v23.mp3", "id3v1.mp3", "vorbis.flac", "vorbis.ogg", "opus.opus", "aac.m4a"])
    func tagEditsKeepTheHashAudioEditsChangeIt(_ name: String) throws {
        let folder = try TestSupport.temporaryFolder()
        let original = TestSupport.tagFixtures.appendingPathComponent(name).path
        let originalBytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: original)))
        let title = try #require(try TestSupport.mutagenAnswers()[name]?["title"]?.string)
        // The title as UTF-8, or as UTF-16LE (ID3v2.3 text frames).
        let encodings = [Array(title.utf8), title.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }]
        let position = try #require(encodings.lazy.compactMap { needle in
            (0...(originalBytes.count - needle.count)).first { originalBytes[$0..<($0 + needle.count)].elementsEqual(needle) }
        }.first, "title not found in \(name)")
        let copy = folder + "/" + name

        var edited = originalBytes
        edited[position] ^= 0x20  // flips the case of the title's first letter
        try Data(edited).write(to: URL(fileURLWithPath: copy))
        #expect(try hash(copy) == hash(original))

        let file = try ReadOnlyFile(path: original)
        let kind = try ContentSniffer.kind(of: file, fileExtension: "")
        guard case .audio(let format) = kind else { Issue.record("not audio"); return }
        let audio = try #require(try AudioPayload.locate(in: file, format: format).ranges.last)
        #expect(!audio.contains(Int64(position)), "the title lies inside the payload")
        var damaged = originalBytes
        damaged[Int(audio.lowerBound + Int64(audio.count) / 2)] ^= 0x01
        try Data(damaged).write(to: URL(fileURLWithPath: copy))
        #expect(try hash(copy) != hash(original))
    }

    /// Values from the reference xxHash implementation (Python's xxhash package).
    @Test func xxh64MatchesTheReference() {
        let data = (0..<768).map { UInt8($0 % 256) }
        #expect(XXH64.hash([], seed: 0) == 0xEF46_DB37_51D8_E999)
        #expect(XXH64.hash(Array("abc".utf8), seed: 0) == 0x44BC_2CF5_AD77_0999)
        #expect(XXH64.hash(Array(data.prefix(100)), seed: 0) == 0x6AC1_E580_3216_6597)
        #expect(XXH64.hash(data, seed: 0x9E37_79B9_7F4A_7C15) == 0x919E_1C78_9D52_2E91)
        #expect(XXH64.hash(Array(data.prefix(37)), seed: 1) == 0x31FE_76EB_4FF1_CF74)
    }
}

@Suite struct ReadOnlyFileTests {
    /// Reads served from the cached head and tail, and direct ones, return the file's bytes,
    /// for files shorter and longer than the cached spans.
    @Test(arguments: [0, 1, 100, 4096, 5000, 16 * 1024, 40_000])
    func readsReturnTheFileBytes(size: Int) throws {
        let folder = try TestSupport.temporaryFolder()
        var generator = SeededGenerator(seed: UInt64(size) + 1)
        let bytes = (0..<size).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let path = folder + "/data.bin"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        for access in [ReadOnlyFile.Access.random, .sequential] {
            let file = try ReadOnlyFile(path: path, access: access)
            #expect(file.size == Int64(size))
            for _ in 0..<300 {
                let offset = Int.random(in: -2...(size + 2), using: &generator)
                let count = [1, 3, 15, 32, 128, 4096, 5000, 70_000][Int.random(in: 0..<8, using: &generator)]
                let expected = offset < 0 || offset >= size ? [] : Array(bytes[offset..<min(size, offset + count)])
                #expect(try file.read(at: Int64(offset), count: count) == expected, "offset \(offset) count \(count)")
            }
        }
    }
}
