import Foundation
@testable import MusicIndex

/// The librosa/pyloudnorm reference arrays under Fixtures/dsp (see its manifest.json).
enum FeaturesFixtures {
    static let folder = TestSupport.fixtures.appendingPathComponent("dsp")

    /// A raw little-endian float32 file, as `[Float]`.
    static func floats(_ file: String) throws -> [Float] {
        let data = try Data(contentsOf: folder.appendingPathComponent(file))
        return data.withUnsafeBytes { raw in
            (0..<data.count / 4).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
        }
    }

    /// The manifest's entry for one signal (`signals.NAME`).
    static func signal(_ name: String) throws -> [String: JSONValue] {
        let data = try Data(contentsOf: folder.appendingPathComponent("manifest.json"))
        guard case .object(let root) = try JSONDecoder().decode(JSONValue.self, from: data),
              case .object(let signals)? = root["signals"],
              case .object(let signal)? = signals[name] else {
            throw MusicIndexError.invalidArgument("no signal \(name) in manifest.json")
        }
        return signal
    }

    /// `signals.NAME.scalars.KEY`.
    static func scalar(_ name: String, _ key: String) throws -> JSONValue? {
        guard case .object(let scalars)? = try signal(name)["scalars"] else { return nil }
        return scalars[key]
    }

    /// A list of numbers in the manifest.
    static func numbers(_ value: JSONValue?) -> [Double] {
        guard case .array(let values)? = value else { return [] }
        return values.compactMap(\.double)
    }
}
