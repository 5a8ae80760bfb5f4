import Foundation
import Testing
@testable import MusicIndex

/// Tag values read through TagLib's PropertyMap agree with what mutagen reads from the same
/// files (Fixtures/tags/mutagen.json, written by scripts/make-tag-fixtures.sh).
@Suite struct TagReaderTests {
    static let goodFiles = ["id3v23.mp3", "id3v24.mp3", "id3v1.mp3", "vorbis.flac", "vorbis.ogg", "opus.opus", "aac.m4a", "plain.wav"]

    func read(_ name: String) throws -> TrackDraft {
        let path = TestSupport.tagFixtures.appendingPathComponent(name).path
        let file = try ReadOnlyFile(path: path)
        var draft = TrackDraft(file: WalkedFile(path: path, size: file.size, mtimeNanoseconds: 0))
        try ProbeStage().run(&draft, file: file)
        try TagStage().run(&draft, file: file)
        return draft
    }

    @Test(arguments: goodFiles)
    func tagsMatchMutagen(_ name: String) throws {
        let expected = try #require(try TestSupport.mutagenAnswers()[name])
        let draft = try read(name)
        let tags = draft.tags
        #expect(tags.title == expected["title"]?.string)
        #expect(tags.artist == expected["artist"]?.string)
        #expect(tags.album == expected["album"]?.string)
        #expect(tags.albumArtist == expected["albumartist"]?.string)
        #expect(tags.genres == (expected["genres"]?.strings ?? []))
        #expect(tags.date == expected["date"]?.string)
        #expect(tags.trackNumber == expected["tracknumber"]?.int)
        #expect(tags.trackTotal == expected["tracktotal"]?.int)
        #expect(tags.discNumber == expected["discnumber"]?.int)
        #expect(tags.discTotal == expected["disctotal"]?.int)
        #expect(tags.musicBrainzRecordingID == expected["musicbrainz_recordingid"]?.string)
        #expect(tags.musicBrainzTrackID == expected["musicbrainz_trackid"]?.string)
        #expect(tags.musicBrainzReleaseID == expected["musicbrainz_albumid"]?.string)
        #expect(tags.hasCover == expected["has_cover"]?.bool)
    }

    @Test(arguments: goodFiles)
    func audioPropertiesMatchMutagen(_ name: String) throws {
        let expected = try #require(try TestSupport.mutagenAnswers()[name])
        let audio = try read(name).audio
        #expect(audio.channels == expected["channels"]?.int)
        if let rate = expected["sample_rate"]?.int { #expect(audio.sampleRate == rate) }
        let length = try #require(expected["length"]?.double)
        let duration = try #require(audio.duration)
        #expect(abs(duration - length) < 0.1, "duration \(duration) s vs mutagen's \(length) s")
    }

    /// Reading through the probe's open file (its descriptor and the bytes it already holds)
    /// gives exactly what TagLib reads through its own file stream, for every fixture TagLib
    /// can open, good or damaged.
    @Test func openFileReadsLikeTagLibsFileStream() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: TestSupport.tagFixtures.path)
            .filter { !$0.hasSuffix(".json") }.sorted()
        var compared = 0
        for name in names {
            let path = TestSupport.tagFixtures.appendingPathComponent(name).path
            let file = try ReadOnlyFile(path: path)
            var draft = TrackDraft(file: WalkedFile(path: path, size: file.size, mtimeNanoseconds: 0))
            guard (try? ProbeStage().run(&draft, file: file)) != nil, let format = draft.format else { continue }
            let direct = TagReader.read(path: path, format: format)
            let open = TagReader.read(file: file, format: format)
            switch (direct, open) {
            case (.success(let a), .success(let b)):
                #expect(a.codec == b.codec && a.durationMilliseconds == b.durationMilliseconds
                        && a.bitrateKbps == b.bitrateKbps && a.sampleRate == b.sampleRate && a.channels == b.channels
                        && a.bitsPerSample == b.bitsPerSample && a.hasCover == b.hasCover, "\(name)")
                #expect(a.properties.map { "\($0.key)=\($0.value)" } == b.properties.map { "\($0.key)=\($0.value)" }, "\(name)")
            case (.failure(let a), .failure(let b)):
                #expect(a == b, "\(name)")
            default:
                Issue.record("\(name): \(direct) through the path, \(open) through the open file")
            }
            compared += 1
        }
        #expect(compared >= Self.goodFiles.count)
    }

    @Test func formatsAndCodecsAreDetectedByContent() throws {
        let expected: [String: (AudioFormat, String)] = [
            "id3v23.mp3": (.mp3, "mp3"), "vorbis.flac": (.flac, "flac"), "vorbis.ogg": (.oggVorbis, "vorbis"),
            "opus.opus": (.opus, "opus"), "aac.m4a": (.mp4, "aac"), "plain.wav": (.wav, "pcm"),
        ]
        for (name, (format, codec)) in expected {
            let draft = try read(name)
            #expect(draft.format == format, "\(name)")
            #expect(draft.audio.codec == codec, "\(name)")
        }
    }

    @Test func yearAndNumberParsing() {
        #expect(TrackTags.year(in: "2004-05-03") == 2004)
        #expect(TrackTags.year(in: "c. 1997") == 1997)
        #expect(TrackTags.year(in: "12345") == nil)
        #expect(TrackTags.year(in: "") == nil)
        #expect(TrackTags.numberAndTotal("3/12", total: nil) == (3, 12))
        #expect(TrackTags.numberAndTotal(" 7 ", total: "9") == (7, 9))
        #expect(TrackTags.numberAndTotal("A1", total: nil) == (nil, nil))
        #expect(TrackTags.numberAndTotal(nil, total: "0") == (nil, nil))
    }
}
