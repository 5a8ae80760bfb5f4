// Fuzz target "model-loader": the genre-model loader (the strict JSON reader, the safetensors
// reader, the metadata and tensor checks). Any input must be refused with a ModelFileError
// or load; a crash, a trap (overflow, out-of-range index) or an AddressSanitizer report is a
// bug.
func fuzzModelLoader(_ bytes: [UInt8]) {
    // The input as a whole model file.
    if let file = try? ModelFile(bytes: bytes) {
        // A file that loads must satisfy what the engine relies on.
        for (name, shape) in ModelFile.expectedShapes(file.metadata) {
            precondition(file.weights[name]?.count == shape.reduce(1, *), "\(name) has the wrong size")
        }
        precondition(file.metadata.segmentFrames >= file.metadata.architecture.minimumFrames)
    }
    // The input as JSON text, the form of the header and of the structured metadata values.
    _ = try? StrictJSON.parse(bytes)
    if let text = validatedUTF8(bytes) {
        _ = try? CRNNArchitecture.parse(text)
    }
}
