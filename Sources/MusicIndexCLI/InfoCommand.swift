import ArgumentParser
import Foundation
import MusicIndex

struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info", abstract: "Every stored field of one track, by path or id.")

    @OptionGroup var library: LibraryOptions

    @Argument(help: ArgumentHelp("A file path or a track id.", valueName: "path-or-id"))
    var track: String

    @Flag(help: "Print as JSON.")
    var json = false

    func run() throws {
        let store = try library.open(readOnly: true)
        do {
            let found: Track?
            if let id = Int64(track), !FileManager.default.fileExists(atPath: track) {
                found = try store.track(id: id)
            } else {
                found = try store.track(path: track)
            }
            guard let found else {
                if let failure = try store.failure(path: track) {
                    throw CLIError("\(failure.path) is not indexed: \(failure.reason) (stage: \(failure.stage))")
                }
                throw CLIError("no track matches \(track)")
            }
            let features = try store.features(audioHash: found.audioHash)
            let genres = try store.genreAnalysis(audioHash: found.audioHash)
            if json {
                print(try Self.json(found, features: features, genres: genres))
            } else {
                Self.printText(found)
                if let features { Self.printFeatures(features) }
                if let genres { Self.printGenres(genres) }
            }
        } catch let error as MusicIndexError {
            throw CLIError(String(describing: error))
        }
    }

    /// The track's JSON with its stored features (or null) under "features", and what
    /// decoding found damaged or missing (or null) under "damage".
    static func json(_ track: Track, features: StoredFeatures?, genres: GenreAnalysis?) throws -> String {
        var object = try JSONSerialization.jsonObject(with: Data(JSONOutput.string(track).utf8)) as? [String: Any] ?? [:]
        object["features"] = try features.map { try JSONSerialization.jsonObject(with: Data(JSONOutput.string($0.features).utf8)) } ?? NSNull()
        object["damage"] = features?.damage ?? NSNull()
        object["genres"] = genres.map { analysis -> [String: Any] in
            [
                "model": analysis.model.name, "model_version": analysis.model.version,
                "top": analysis.top.label,
                "probabilities": Dictionary(uniqueKeysWithValues: zip(analysis.model.labels, analysis.probabilities.map(Double.init))),
                "timeline": analysis.timeline.map { $0.map(Double.init) },
                "embedding_size": analysis.embedding.count,
            ]
        } ?? NSNull()
        let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }

    static func printGenres(_ analysis: GenreAnalysis) {
        print("genres:          \(analysis.model.name) \(analysis.model.version), \(analysis.timeline.count) segments")
        let ranked = zip(analysis.model.labels, analysis.probabilities).sorted { $0.1 > $1.1 || ($0.1 == $1.1 && $0.0 < $1.0) }
        for (label, probability) in ranked.prefix(5) {
            print("  \(label.padding(toLength: 14, withPad: " ", startingAt: 0)) \(String(format: "%5.1f %%", probability * 100))")
        }
    }

    static func printFeatures(_ stored: StoredFeatures) {
        let f = stored.features
        func line(_ name: String, _ value: Double?, _ format: String) {
            print("\(name.padding(toLength: 16, withPad: " ", startingAt: 0)) \(value.map { String(format: format, $0) } ?? "n/a")")
        }
        print("features:        \(stored.full ? "whole track (--full)" : "default windows policy"), \(String(format: "%.1f", f.analysedSeconds)) s analysed")
        if let damage = stored.damage { print(TerminalText.line("damage           \(damage)")) }
        line("tempo", f.tempo, "%.1f BPM")
        print("key              \(f.key.map { "\($0) \(f.mode ?? "")" } ?? "n/a")")
        line("loudness", f.loudness, "%.1f LUFS")
        line("loudness range", f.loudnessRange, "%.1f LU")
        line("energy", f.energy, "%.2f")
        line("danceability", f.danceability, "%.2f")
        line("acousticness", f.acousticness, "%.2f")
        line("instrumental", f.instrumentalness, "%.2f")
        line("centroid", f.spectralCentroid, "%.0f Hz")
        line("onset rate", f.onsetRate, "%.2f /s")
    }

    static func printText(_ track: Track) {
        func line(_ name: String, _ value: Any?) {
            guard let value else { return }
            print(TerminalText.line("\(name.padding(toLength: 16, withPad: " ", startingAt: 0)) \(value)"))
        }
        let t = track.tags, a = track.audio
        line("id", track.id)
        line("path", track.path)
        line("format", track.format)
        line("codec", a.codec)
        line("duration", a.duration.map { String(format: "%.2f s", $0) })
        line("bitrate", a.bitrateKbps.map { "\($0) kbit/s" })
        line("sample rate", a.sampleRate.map { "\($0) Hz" })
        line("channels", a.channels)
        line("bits per sample", a.bitsPerSample)
        line("size", "\(track.size) bytes")
        line("title", t.title)
        line("artist", t.artist)
        line("album", t.album)
        line("album artist", t.albumArtist)
        line("genres", t.genres.isEmpty ? nil : t.genres.joined(separator: "; "))
        line("date", t.date)
        line("year", t.year)
        line("track", t.trackNumber.map { n in t.trackTotal.map { "\(n)/\($0)" } ?? "\(n)" })
        line("disc", t.discNumber.map { n in t.discTotal.map { "\(n)/\($0)" } ?? "\(n)" })
        line("mb recording", t.musicBrainzRecordingID)
        line("mb track", t.musicBrainzTrackID)
        line("mb release", t.musicBrainzReleaseID)
        line("cover art", t.hasCover ? "embedded" : "none")
        line("audio hash", track.audioHash.isEmpty ? "not computed yet (read by a tags-only scan; the next analysis scan adds it)" : track.audioHash)
        line("scanned at", track.scannedAt)
        if !t.properties.isEmpty {
            print("properties:")
            for property in t.properties { print(TerminalText.line("  \(property.key)=\(property.value)")) }
        }
    }
}
