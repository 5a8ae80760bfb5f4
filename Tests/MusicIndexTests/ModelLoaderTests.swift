import Foundation
import Testing
@testable import MusicIndex

/// Loading model files: a valid tiny model; tensors and metadata against the contract
/// (training/MODEL_FORMAT.md), each violation refused with its own `ModelFileError`; the
/// front-end compatibility check; random corruptions. The container's own rules are in
/// `ModelContainerTests`.
@Suite("Model file loading")
struct ModelLoaderTests {
    /// The error loading `data` throws, nil when it loads.
    static func loadError(_ data: Data) -> ModelFileError? {
        do {
            _ = try GenreModel(data: data)
            return nil
        } catch {
            return error
        }
    }

    static func loadError(_ file: TestModelFile) -> ModelFileError? { loadError(file.bytes()) }

    /// A tiny model whose metadata `key` is `value` (nil removes it).
    static func withMetadata(_ key: String, _ value: String?) -> TestModelFile {
        var file = TestModelFile.tiny()
        file.metadata[key] = value
        return file
    }

    static func architecture(_ replacements: [String: String]) -> String {
        var members = ["\"type\"": "\"crnn\"", "\"conv_channels\"": "[2, 3]", "\"conv_kernel\"": "3", "\"conv_padding\"": "1",
                       "\"pool\"": "2", "\"batch_norm_eps\"": "1e-05", "\"gru_hidden\"": "4", "\"gru_layers\"": "1",
                       "\"temporal_pooling\"": "\"mean\""]
        for (key, value) in replacements { members["\"\(key)\""] = value.isEmpty ? nil : value }
        return "{" + members.keys.sorted().map { "\($0): \(members[$0]!)" }.joined(separator: ", ") + "}"
    }

    // MARK: A valid file

    @Test("a valid tiny model loads with its metadata")
    func loadsTinyModel() throws {
        let model = try GenreModel(data: TestModelFile.tiny().bytes())
        #expect(model.name == "test-genres")
        #expect(model.version == "2026.1.0")
        #expect(model.labels == ["rock", "jazz", "folk"])
        #expect(model.segmentFrames == 16)
        #expect(model.minimumFrames == 4)
        #expect(model.embeddingSize == 4)
        #expect(model.features == SpectrogramParameters(nMels: 8))
        #expect(model.trainingData == "random weights for tests")
        #expect(model.metadata.normalizationMean == -40 && model.metadata.normalizationStd == 20)
        #expect(model.metadata.architecture.convChannels == [2, 3])
        #expect(model.metadata.created == "2026-01-15T12:00:00Z")
        #expect(model.metadata.metrics == nil)
    }

    @Test("a model file on disk loads like the same bytes in memory; a missing file is unreadable")
    func loadsFromPath() throws {
        let folder = try TestSupport.temporaryFolder()
        let path = folder + "/tiny.safetensors"
        let data = TestModelFile.tiny().bytes()
        try data.write(to: URL(fileURLWithPath: path))
        let fromPath = try GenreModel(path: path)
        let fromData = try GenreModel(data: data)
        let segments = TestNetwork(channels: [2, 3], hidden: 4, labels: ["a", "b", "c"], nMels: 8).segments(count: 2, frames: 16, seed: 3)
        for (a, b) in zip(try fromPath.evaluate(segments), try fromData.evaluate(segments)) {
            #expect(relativeError(a.logits, b.logits) < 1e-6)
        }
        #expect(throws: ModelFileError.self) { try GenreModel(path: folder + "/missing.safetensors") }
        if case .unreadable(let failedPath, _)? = Self.loadErrorAt(folder + "/missing.safetensors") {
            #expect(failedPath == folder + "/missing.safetensors")
        } else {
            Issue.record("a missing file should be .unreadable")
        }
    }

    static func loadErrorAt(_ path: String) -> ModelFileError? {
        do { _ = try GenreModel(path: path); return nil } catch { return error }
    }

    @Test("optional metadata: metrics must be a JSON object, created an ISO 8601 date; unknown keys are ignored")
    func optionalMetadata() throws {
        var file = TestModelFile.tiny()
        file.metadata["metrics"] = "{\"accuracy\": 0.71}"
        file.metadata["git_commit"] = "abc123"
        let model = try GenreModel(data: file.bytes())
        #expect(model.metadata.metrics == "{\"accuracy\": 0.71}")
        #expect(Self.loadError(Self.withMetadata("metrics", "[0.7]")) == .badMetadata(key: "metrics", reason: "not a JSON object"))
        if case .badMetadata(key: "created", _)? = Self.loadError(Self.withMetadata("created", "yesterday")) {} else {
            Issue.record("a bad creation date should be refused")
        }
    }

    // MARK: Tensors against the metadata

    @Test("a missing tensor, an extra tensor and a wrong shape are refused")
    func tensorSet() {
        var missing = TestModelFile.tiny()
        missing.tensors.removeAll { $0.name == "gru.bias_hh_l0" }
        #expect(Self.loadError(missing) == .missingTensor(name: "gru.bias_hh_l0"))

        var extra = TestModelFile.tiny()
        extra.tensors.append(.init(name: "blocks.0.bn.num_batches_tracked", shape: [1], values: [1]))
        #expect(Self.loadError(extra) == .unexpectedTensor(name: "blocks.0.bn.num_batches_tracked"))

        var reshaped = TestModelFile.tiny()
        reshaped["fc.weight"].shape = [4, 3]  // same size, transposed
        #expect(Self.loadError(reshaped) == .shapeMismatch(name: "fc.weight", expected: [3, 4], found: [4, 3]))

        var wrongInput = TestModelFile.tiny()
        wrongInput.metadata["features"] = String(decoding: try! JSONEncoder().encode(SpectrogramParameters(nMels: 16)), as: UTF8.self)
        // 16 mels leave 4 bins after two poolings: F = 3 * 4 = 12, the file has 3 * 2 = 6.
        #expect(Self.loadError(wrongInput) == .shapeMismatch(name: "gru.weight_ih_l0", expected: [12, 12], found: [12, 6]))
    }

    @Test("NaN weights and negative variances are refused")
    func invalidWeights() {
        var nan = TestModelFile.tiny()
        nan["gru.weight_hh_l0"] = .init(name: "gru.weight_hh_l0", shape: [12, 4], values: [Float](repeating: .nan, count: 48))
        #expect(Self.loadError(nan) == .invalidWeights(name: "gru.weight_hh_l0", reason: "holds NaN or infinite values"))
        var negative = TestModelFile.tiny()
        negative["blocks.1.bn.running_var"] = .init(name: "blocks.1.bn.running_var", shape: [3], values: [1, -0.5, 1])
        #expect(Self.loadError(negative) == .invalidWeights(name: "blocks.1.bn.running_var", reason: "negative running variance -0.5"))
    }

    // MARK: Metadata

    @Test("every required metadata key is checked for presence",
          arguments: ["format", "format_version", "name", "version", "labels", "architecture", "features",
                      "segment_frames", "normalization", "training_data"])
    func requiredMetadata(key: String) {
        #expect(Self.loadError(Self.withMetadata(key, nil)) == .missingMetadata(key: key))
    }

    @Test("format name and version")
    func formatName() {
        #expect(Self.loadError(Self.withMetadata("format", "pytorch")) == .wrongFormat(found: "pytorch"))
        #expect(Self.loadError(Self.withMetadata("format_version", "2")) == .unsupportedFormatVersion(found: "2", supported: "1"))
    }

    @Test("metadata values must be strings, in an object")
    func metadataTypes() {
        var file = TestModelFile.tiny()
        file.rawMetadata = "{\"format\": 1}"
        #expect(Self.loadError(file) == .badMetadata(key: "format", reason: "value is a number, safetensors metadata values are strings"))
        file.rawMetadata = "[]"
        #expect(Self.loadError(file) == .badMetadata(key: "__metadata__", reason: "is an array, not an object of strings"))
    }

    @Test("labels: JSON array of unique non-empty strings", arguments: [
        ("rock, jazz", "not JSON"), ("[]", "no labels"), ("{\"a\": 1}", "is an object, not an array"),
        ("[\"rock\", \"rock\", \"folk\"]", "duplicate label \"rock\""), ("[\"rock\", 2, \"folk\"]", "entry 2 is not a string"),
        ("[\"rock\", \"\", \"folk\"]", "empty label"),
    ])
    func badLabels(value: String, reason: String) {
        guard case .badMetadata(key: "labels", let found)? = Self.loadError(Self.withMetadata("labels", value)) else {
            Issue.record("labels \(value) should be refused")
            return
        }
        #expect(found.hasPrefix(reason), "\(found)")
    }

    @Test("architecture values out of range are refused", arguments: [
        ("conv_kernel", "4", "conv_kernel 4 is even"), ("conv_kernel", "0", "conv_kernel 0 outside"),
        ("conv_channels", "[2, 0]", "conv_channels entry 0"), ("conv_channels", "[]", "conv_channels has 0 blocks"),
        ("conv_padding", "-1", "conv_padding -1 outside"), ("pool", "0", "pool 0 outside"),
        ("batch_norm_eps", "0", "batch_norm_eps must be"), ("batch_norm_eps", "\"1e-5\"", "batch_norm_eps must be"),
        ("gru_hidden", "0", "gru_hidden 0 outside"), ("gru_hidden", "4.5", "gru_hidden is a number, not an integer"),
        ("gru_layers", "2", "gru_layers 2"), ("temporal_pooling", "\"max\"", "temporal_pooling \"max\""),
        ("type", "\"cnn\"", "type \"cnn\""), ("bidirectional", "true", "unknown key \"bidirectional\""),
        ("gru_hidden", "", "no \"gru_hidden\""),
    ])
    func badArchitecture(key: String, value: String, reason: String) {
        let error = Self.loadError(Self.withMetadata("architecture", Self.architecture([key: value])))
        guard case .badMetadata(key: "architecture", let found)? = error else {
            Issue.record("architecture \(key) = \(value) should be refused, got \(String(describing: error))")
            return
        }
        #expect(found.hasPrefix(reason), "\(found)")
    }

    @Test("architecture JSON that is not an object, and mel bands that vanish in the poolings")
    func architectureShape() {
        if case .badMetadata(key: "architecture", let reason)? = Self.loadError(Self.withMetadata("architecture", "crnn")) {
            #expect(reason.hasPrefix("not JSON"))
        } else {
            Issue.record("non-JSON architecture should be refused")
        }
        // 8 mels through 4 poolings leave nothing.
        var file = Self.withMetadata("architecture", Self.architecture(["conv_channels": "[2, 3, 3, 3]"]))
        file.metadata["segment_frames"] = "16"
        #expect(Self.loadError(file) == .badMetadata(key: "architecture", reason: "no mel bin of the 8 bands is left after 4 blocks"))
    }

    @Test("features: every librosa key, valid values, nothing else", arguments: [
        ("{\"n_mels\": 8}", "no \""),
        ("{\"sample_rate\": 22050, \"n_fft\": 2047, \"hop_length\": 512, \"n_mels\": 8, \"fmin\": 0.0, \"fmax\": null, \"power\": 2.0, \"ref\": 1.0, \"amin\": 1e-10, \"top_db\": 80.0}", "invalid spectrogram parameters: nFFT must be even"),
        ("{\"sample_rate\": 22050, \"n_fft\": 2048, \"hop_length\": 512, \"n_mels\": 8, \"fmin\": 0.0, \"fmax\": null, \"power\": 2.0, \"ref\": 1.0, \"amin\": 1e-10, \"top_db\": 80.0, \"htk\": true}", "unknown key \"htk\""),
        ("{\"sample_rate\": \"22050\", \"n_fft\": 2048, \"hop_length\": 512, \"n_mels\": 8, \"fmin\": 0.0, \"fmax\": null, \"power\": 2.0, \"ref\": 1.0, \"amin\": 1e-10, \"top_db\": 80.0}", "sample_rate"),
        ("[1]", "is an array, not an object"),
    ])
    func badFeatures(value: String, reason: String) {
        guard case .badMetadata(key: "features", let found)? = Self.loadError(Self.withMetadata("features", value)) else {
            Issue.record("features \(value) should be refused")
            return
        }
        #expect(found.hasPrefix(reason), "\(found)")
    }

    @Test("normalization: finite mean, finite positive std", arguments: [
        ("{\"mean\": -40, \"std\": 0}", "std 0.0 is not a finite positive float"),
        ("{\"mean\": -40, \"std\": -2}", "std -2.0 is not a finite positive float"),
        ("{\"mean\": -40, \"std\": 1e300}", "std 1e+300 is not a finite positive float"),
        ("{\"mean\": -40}", "std is not a number"), ("{\"mean\": null, \"std\": 1}", "mean is not a number"),
        ("{\"mean\": 0, \"std\": 1, \"scale\": 2}", "unknown key \"scale\""), ("20", "is a number, not an object"),
    ])
    func badNormalization(value: String, reason: String) {
        #expect(Self.loadError(Self.withMetadata("normalization", value)) == .badMetadata(key: "normalization", reason: reason))
    }

    @Test("segment_frames: a decimal integer of at least 2^B frames", arguments: ["3", "0", "-16", "16.0", "sixteen", "", "99999999"])
    func badSegmentFrames(value: String) {
        guard case .badMetadata(key: "segment_frames", _)? = Self.loadError(Self.withMetadata("segment_frames", value)) else {
            Issue.record("segment_frames \(value) should be refused")
            return
        }
    }

    @Test("name and version must not be empty")
    func emptyNames() {
        #expect(Self.loadError(Self.withMetadata("name", "")) == .badMetadata(key: "name", reason: "empty"))
        #expect(Self.loadError(Self.withMetadata("version", "")) == .badMetadata(key: "version", reason: "empty"))
    }

    // MARK: Compatibility

    @Test("a model trained on other spectrograms is refused by the classifier, naming every difference")
    func compatibility() throws {
        let model = try GenreModel(data: TestModelFile.tiny().bytes())
        try model.checkCompatible(with: SpectrogramParameters(nMels: 8))
        try model.checkCompatible(with: SpectrogramParameters(nMels: 8, fMax: 11025))  // nil fmax is Nyquist
        #expect(throws: ModelFileError.incompatibleFeatures(differences: [
            "hop_length: model 512 vs front end 256", "n_mels: model 8 vs front end 128",
        ])) {
            try model.checkCompatible(with: SpectrogramParameters(hopLength: 256))
        }
        #expect(throws: ModelFileError.self) { try GenreClassifier(model: model, frontEnd: SpectrogramParameters()) }
        _ = try GenreClassifier(model: model, frontEnd: SpectrogramParameters(nMels: 8))
    }

    // MARK: Robustness

    @Test("every prefix and thousands of random corruptions of a valid file are refused or loaded, never a crash")
    func corruptionsNeverCrash() {
        let valid = [UInt8](TestModelFile.tiny().bytes())
        for length in 0..<valid.count {
            #expect(Self.loadError(Data(valid.prefix(length))) != nil, "prefix of \(length) bytes")
        }
        var random = SeededGenerator(seed: 7)
        var loaded = 0
        for _ in 0..<3000 {
            var bytes = valid
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                let index = Int.random(in: 0..<bytes.count, using: &random)
                bytes[index] = UInt8.random(in: 0...255, using: &random)
            }
            if Self.loadError(Data(bytes)) == nil { loaded += 1 }
        }
        // Flips inside the float data leave a loadable model; some must have landed there.
        #expect(loaded > 0)
    }

    @Test("error descriptions name the tensor or key and the sizes")
    func descriptions() {
        #expect(ModelFileError.shapeMismatch(name: "fc.weight", expected: [3, 4], found: [4, 3]).description
                == "tensor fc.weight: shape [4, 3], the metadata implies [3, 4]")
        #expect(ModelFileError.truncated(expected: 8, actual: 5).description == "model file truncated: 5 bytes, at least 8 needed")
        #expect(ModelFileError.dataHole(offset: 40, length: 4).description == "4 bytes at data offset 40 belong to no tensor")
    }
}
