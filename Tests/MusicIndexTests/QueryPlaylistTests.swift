import Foundation
import Testing
@testable import MusicIndex

@Suite("Query: genre mapping")
struct QueryGenreMappingTests {
    let mapping = GenreMapping(labels: GenrePlaylists.defaultLabels)

    @Test("tags as people write them map to the model's labels", arguments: [
        ("Hip-Hop", ["hiphop"]), ("hip hop", ["hiphop"]), ("HIP_HOP", ["hiphop"]), ("Rap", ["hiphop"]),
        ("(17)", ["rock"]), ("17", ["rock"]), ("(7)Hip-Hop", ["hiphop"]), ("(32)", ["classical"]),
        ("Rock; Pop", ["rock", "pop"]), ("Rock/Pop", ["rock", "pop"]), ("  rock  ", ["rock"]),
        ("Classic Rock", ["rock"]), ("Punk Rock", ["rock"]), ("Pop Rock", ["rock"]), ("Death Metal", ["metal"]),
        ("Rhythm & Blues", []), ("R&B", []), ("Country Blues", ["blues"]), ("Bossa Nova", ["jazz"]),
        ("Jazz Fusion", ["jazz"]), ("Rock & Roll", ["rock"]), ("Ska", ["reggae"]), ("Bluegrass", ["country"]),
        ("Baroque", ["classical"]), ("New Age", []), ("Dance", []), ("", []), ("(999)", []),
    ])
    func mapped(tag: String, expected: [String]) {
        #expect(mapping.labels(forTag: tag) == expected, "\(tag)")
    }

    @Test("only labels the model has are returned")
    func otherTaxonomy() {
        let small = GenreMapping(labels: ["rock", "electronic"])
        #expect(small.labels(forTag: "Hip-Hop") == [])
        #expect(small.labels(forTag: "Classic Rock") == ["rock"])
    }
}

@Suite("Query: M3U")
struct QueryM3UTests {
    @Test("extended M3U: header, EXTINF with whole seconds and Artist - Title, fallbacks")
    func syntax() {
        let text = M3UWriter.text([
            .init(path: "/music/a/01 Song.mp3", duration: 181.6, artist: "Ärtist", title: "Sóng"),
            .init(path: "/music/b/02 Other.flac", duration: nil, artist: nil, title: nil),
            .init(path: "/music/c/x.ogg", duration: 3, artist: "A\nB", title: nil),
        ])
        #expect(text == """
            #EXTM3U
            #EXTINF:182,Ärtist - Sóng
            /music/a/01 Song.mp3
            #EXTINF:-1,02 Other
            /music/b/02 Other.flac
            #EXTINF:3,A B - x
            /music/c/x.ogg

            """)
    }

    @Test("a path with a line break becomes a file:// URL; a name with one is cleaned")
    func lineBreakInPath() throws {
        let path = "/music/new\nline 🎵.mp3"
        let text = M3UWriter.text([.init(path: path, duration: 1, artist: nil, title: nil)], relativeTo: "/music")
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines == ["#EXTM3U", "#EXTINF:1,new line 🎵", "file:///music/new%0Aline%20%F0%9F%8E%B5.mp3", ""])
        #expect(try #require(URL(string: String(lines[2]))).path == path)
    }

    @Test("relative paths resolve from the playlist's folder")
    func relative() {
        #expect(M3UWriter.relativePath(from: "/music/lists", to: "/music/a/b.mp3") == "../a/b.mp3")
        #expect(M3UWriter.relativePath(from: "/music", to: "/music/a/b.mp3") == "a/b.mp3")
        #expect(M3UWriter.relativePath(from: "/x/y/z", to: "/music/a.mp3") == "../../../music/a.mp3")
        let base = URL(fileURLWithPath: "/music/lists/")
        #expect(URL(fileURLWithPath: "../a/b.mp3", relativeTo: base).standardizedFileURL.path == "/music/a/b.mp3")
    }
}

@Suite("Query: genre playlists")
struct QueryPlaylistTests {
    /// The example music scanned with the shipped model (once per test; about a second).
    static func exampleLibrary() async throws -> (Library, String) {
        let folder = try TestSupport.temporaryFolder()
        let library = try Library(path: folder + "/library.sqlite")
        let model = try #require(DefaultModel.shippedModelPath)
        let options = ScanOptions(roots: [TestSupport.packageRoot.appendingPathComponent("examples/music").path], jobs: 2, modelPath: model)
        _ = try await LibraryScanner(library: library, options: options).run()
        return (library, folder)
    }

    @Test("playlists by model, tags and both; order, limit, unknown genre; every entry decodes")
    func playlists() async throws {
        let (library, folder) = try await Self.exampleLibrary()
        let playlists = try GenrePlaylists(library: library)
        #expect(playlists.labels.count == 10 && playlists.unanalysed == 0)
        let counts = playlists.counts()
        #expect(counts.map(\.model).reduce(0, +) == 6, "every track has one top genre")
        #expect(counts.first { $0.label == "rock" }?.tags == 1)

        for label in playlists.labels {
            let items = try playlists.playlist(label)
            #expect(items.allSatisfy { GenrePlaylists.topIndex($0.probabilities!) == playlists.labels.firstIndex(of: label) })
            #expect(items.map(\.score) == items.map(\.score).sorted(by: >), "ordered by probability")
        }
        let reggaeByTag = try playlists.playlist("Reggae", source: .tags)
        #expect(reggaeByTag.map { $0.track.tags.title } == ["Offbeat Sunrise"])
        let all = try playlists.playlist("rock", source: .both, minProbability: 0)
        #expect(all.count == 6, "min-prob 0 takes every analysed track")
        #expect(all.first?.track.tags.genres == ["Rock"], "the tagged track ranks first under both")
        #expect(try playlists.playlist("rock", source: .both, minProbability: 0, limit: 2).count == 2)
        let byArtist = try playlists.playlist("rock", minProbability: 0, order: .artist)
        #expect(byArtist.map { $0.track.tags.artist ?? "" } == byArtist.map { $0.track.tags.artist ?? "" }.sorted { $0.lowercased() < $1.lowercased() })
        let shuffled = try playlists.playlist("rock", minProbability: 0, order: .random, seed: 7)
        #expect(shuffled == (try playlists.playlist("rock", minProbability: 0, order: .random, seed: 7)))
        #expect(throws: MusicIndexError.self) { try playlists.playlist("techno") }

        // A real client opens the playlist: every entry decodes with ffprobe.
        let path = folder + "/lists/all.m3u8"
        try M3UWriter.write(all.map(\.m3uEntry), to: path, relative: true)
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").filter { !$0.hasPrefix("#") }
        #expect(lines.count == 6 && lines.allSatisfy { $0.hasPrefix("../") })
        for line in lines {
            let resolved = URL(fileURLWithPath: String(line), relativeTo: URL(fileURLWithPath: folder + "/lists/")).standardizedFileURL.path
            let probe = Process()
            probe.executableURL = URL(fileURLWithPath: "/usr/bin/ffprobe")
            probe.arguments = ["-v", "error", "-i", resolved]
            try probe.run()
            probe.waitUntilExit()
            #expect(probe.terminationStatus == 0, "\(resolved)")
        }
    }

    @Test("an empty library says so")
    func empty() throws {
        let folder = try TestSupport.temporaryFolder()
        let library = try Library(path: folder + "/empty.sqlite")
        #expect { try GenrePlaylists(library: library) } throws: { "\($0)".contains("empty") }
    }
}

@Suite("Query: seed resolution")
struct QueryResolverTests {
    static func track(_ id: Int64, _ artist: String, _ title: String, album: String = "Album") -> Track {
        Track(id: id, path: "/music/\(id).mp3", size: 1, mtimeNanoseconds: 0, audioHash: "h\(id)", format: "mp3",
              audio: AudioProperties(), tags: TrackTags(title: title, artist: artist, album: album), scannedAt: "")
    }
    let resolver = TrackResolver(tracks: [
        track(1, "Static Engines", "Redline"), track(2, "Ada Halvorsen", "Morning Light"),
        track(3, "Björk", "Jóga"), track(4, "The Trio", "Blue"), track(5, "The Trio", "Blue Moon"),
        track(6, "Other Band", "Blue"),
    ])

    @Test("paths, ids, artist - title, accents and words")
    func resolves() throws {
        #expect(try resolver.resolve("/music/2.mp3").id == 2)
        #expect(try resolver.resolve("3").id == 3)
        #expect(try resolver.resolve("static engines - redline").id == 1)
        #expect(try resolver.resolve("bjork - joga").id == 3)
        #expect(try resolver.resolve("morning").id == 2)
        #expect(try resolver.resolve("The Trio - Blue").id == 4, "an exact artist and title beats a partial one")
    }

    @Test("ambiguous text lists the candidates; nothing found is a clear error")
    func errors() {
        #expect { try resolver.resolve("blue") } throws: { error in
            let text = "\(error)"
            return text.contains("matches 2 tracks") && text.contains("4:") && text.contains("6:")
        }
        #expect { try resolver.resolve("nothing like this") } throws: { "\($0)".contains("no track matches") }
    }
}

@Suite("Query: similar tracks")
struct QuerySimilarTests {
    @Test("neighbours by embedding: the seed and its copies never appear; filters and weights apply")
    func similar() async throws {
        let (library, _) = try await QueryPlaylistTests.exampleLibrary()
        let engine = try SimilarTracks(library: library, weights: .init(embedding: 1, features: 0, genres: 0))
        let tracks = try library.allTracks()
        let seed = try TrackResolver(tracks: tracks).resolve("Static Engines - Redline")
        let results = try engine.similar(to: [seed], count: 10)
        #expect(results.count == 5)
        #expect(!results.contains { $0.track.id == seed.id })
        #expect(results.map(\.score) == results.map(\.score).sorted(by: >))
        #expect(results.allSatisfy { $0.why.count == 1 && $0.why[0].block == "embedding" && abs($0.why[0].part - $0.score) < 1e-4 })

        let sameArtist = try engine.similar(to: [try TrackResolver(tracks: tracks).resolve("Ada Halvorsen - Morning Light")],
                                            count: 10, filters: { var f = SimilarTracks.Filters(); f.excludeSameArtist = true; return f }())
        #expect(!sameArtist.contains { $0.track.tags.artist == "Ada Halvorsen" })
        var slow = SimilarTracks.Filters()
        slow.bpm = 0...100
        #expect(try engine.similar(to: [seed], filters: slow).allSatisfy { ($0.tempo ?? 999) <= 100 })
        var classical = SimilarTracks.Filters()
        classical.genre = "classical"
        #expect(try engine.similar(to: [seed], filters: classical).allSatisfy { $0.genre == "classical" })
        classical.genre = "techno"
        #expect(throws: MusicIndexError.self) { try engine.similar(to: [seed], filters: classical) }

        // Two seeds: neighbours of the group, neither seed returned.
        let other = try TrackResolver(tracks: tracks).resolve("Neon Floor")
        let group = try engine.similar(to: [seed, other], count: 10)
        #expect(group.count == 4 && !group.contains { $0.track.id == seed.id || $0.track.id == other.id })

        let byDefault = try SimilarTracks(library: library)
        #expect(byDefault.weights == .init(embedding: 1, features: 0, genres: 1))
        #expect(try byDefault.similar(to: [seed]).allSatisfy { Set($0.why.map(\.block)) == ["embedding", "genres"] })
        #expect(try SimilarTracks.Weights(parsing: "features=0.5") == .init(embedding: 0, features: 0.5, genres: 0),
                "a block not named weighs 0")
        #expect(throws: MusicIndexError.self) { try SimilarTracks.Weights(parsing: "features=0") }
        let fused = try SimilarTracks(library: library, weights: try .init(parsing: "embedding=1,features=0.5,genres=0.5"))
        let fusedResults = try fused.similar(to: [seed])
        #expect(fusedResults.allSatisfy { Set($0.why.map(\.block)) == ["embedding", "features", "genres"] })
        #expect(throws: MusicIndexError.self) { try SimilarTracks.Weights(parsing: "tempo=2") }
    }

    @Test("copies are the same payload or embedding, whatever the weights; equal genre vectors are no copies")
    func copies() throws {
        let (library, music) = try QueryEvaluationTests.syntheticLibrary()
        // Another file with z/1.mp3's audio payload.
        var copy = TrackDraft(file: WalkedFile(path: music + "/copy of z.mp3", size: 1000, mtimeNanoseconds: 0))
        copy.format = .mp3
        copy.audioHash = "hash6"
        try library.record([.indexed(copy)], scannedAt: "2026-01-01T00:00:00Z")
        let tracks = try library.allTracks()
        let seed = try #require(tracks.first { $0.path == music + "/z/1.mp3" })
        let genresOnly = try SimilarTracks(library: library, weights: .init(embedding: 0, features: 0, genres: 1))
        let results = try genresOnly.similar(to: [seed], count: 10).map { ($0.track.path as NSString).lastPathComponent }
        // unlabelled.mp3 has z's genre vector (cosine 1) but another embedding: a neighbour, first.
        #expect(results.first == "unlabelled.mp3")
        #expect(results.count == 7 && !results.contains("copy of z.mp3"))
    }

    @Test("radio starts at the seed, never repeats, and spaces artists out while it can")
    func radio() async throws {
        let (library, _) = try await QueryPlaylistTests.exampleLibrary()
        let engine = try SimilarTracks(library: library)
        let tracks = try library.allTracks()
        let seed = try TrackResolver(tracks: tracks).resolve("Redline")
        let playlist = try engine.radio(from: seed, count: 50)
        #expect(playlist.first?.id == seed.id)
        #expect(playlist.count == 6, "every track once, then it stops")
        #expect(Set(playlist.map(\.id)).count == playlist.count)
        let short = try engine.radio(from: seed, count: 3)
        #expect(short.count == 3)
    }
}
