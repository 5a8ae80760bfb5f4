import ArgumentParser
import Foundation
import MusicIndex

/// `musicindex model info`: what a genre model is and what it was trained on.
struct ModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model", abstract: "Inspect genre models.", subcommands: [ModelInfoCommand.self])
}

struct ModelInfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info", abstract: "Print a model file's metadata: labels, architecture, features, training data.")

    @Option(help: ArgumentHelp("Model file. Default: $MUSICINDEX_MODEL, else the shipped model.", valueName: "path"))
    var model: String?

    @Flag(help: "Print as JSON.")
    var json = false

    func run() throws {
        guard let path = DefaultModel.resolve(explicit: model) else {
            throw CLIError("no model: pass --model PATH or set MUSICINDEX_MODEL (the shipped model was not found beside the executable)")
        }
        let loaded: GenreModel
        do {
            loaded = try GenreModel.load(path: path)
        } catch {
            throw CLIError(String(describing: error))
        }
        let m = loaded.metadata
        let a = m.architecture
        if json {
            let document = ModelInfoDocument(
                path: path, name: m.name, version: m.version, labels: m.labels, segmentFrames: m.segmentFrames,
                convChannels: a.convChannels, convKernel: a.convKernel, gruHidden: a.gruHidden,
                features: m.features, normalizationMean: Double(m.normalizationMean),
                normalizationStd: Double(m.normalizationStd), trainingData: m.trainingData, metrics: m.metrics, created: m.created)
            print(try JSONOutput.string(document))
            return
        }
        let f = m.features
        print("model          \(m.name) \(m.version)")
        print("file           \(path)")
        if let created = m.created { print("created        \(created)") }
        print("labels         \(m.labels.joined(separator: ", ")) (\(m.labels.count))")
        print("architecture   CRNN: conv \(a.convChannels.map(String.init).joined(separator: "-")) (\(a.convKernel)x\(a.convKernel), pool \(a.pool)), GRU \(a.gruHidden), mean over time")
        print("input          \(f.nMels) mel bands x \(m.segmentFrames) frames (\(String(format: "%.2f", Double(m.segmentFrames * f.hopLength) / Double(f.sampleRate))) s)")
        print("features       sr \(f.sampleRate), n_fft \(f.nFFT), hop \(f.hopLength), fmin \(f.fMin), fmax \(f.effectiveFMax), power \(f.power), dB ref \(f.ref) amin \(f.amin) top_db \(f.topDB.map { "\($0)" } ?? "none")")
        print("normalisation  (dB - \(m.normalizationMean)) / \(m.normalizationStd)")
        print("embedding      \(loaded.embeddingSize) values")
        print("training data  \(m.trainingData)")
        if let metrics = m.metrics { print("metrics        \(metrics)") }
    }
}

struct ModelInfoDocument: Encodable {
    let path: String
    let name: String
    let version: String
    let labels: [String]
    let segmentFrames: Int
    let convChannels: [Int]
    let convKernel: Int
    let gruHidden: Int
    let features: SpectrogramParameters
    let normalizationMean: Double
    let normalizationStd: Double
    let trainingData: String
    let metrics: String?
    let created: String?
}
