/// Every spectrogram-based feature of one signal from a single STFT pass: the fused entry
/// point of the feature extractor. Each frame is windowed and transformed once; its power
/// spectrum feeds the mel filterbank and the chroma filterbank, its magnitude the spectral
/// shape descriptors and the RMS, and the frame is dropped (no [bins, frames] STFT matrix is
/// kept). mel, melDB, chroma and zeroCrossingRate equal the separate functions
/// (`MelSpectrogram`, `Decibels`, `Chroma.chromaSTFT` on `STFT.powerSpectrogram`,
/// `ZeroCrossingRate`) bit for bit; `SpectralFeatures` and `RMS.rms(magnitude:)` on a stored
/// magnitude spectrogram recompute the power as |X|² and agree to about 1e-7 relative. MFCC
/// and onset strength derive from `melDB` without another pass.
///
/// Cost (release build, one core of the development machine, 30 s at 22050 Hz = 1293
/// frames): about 8 ms for everything, of which STFT + mel + dB about 3.4 ms.
///
/// Every per-frame array has `frameCount` = 1 + samples / hopLength values (librosa's
/// centred framing); every matrix is [rows, frameCount] in librosa's axis order.
public struct SpectralAnalysis: Sendable, Equatable {
    public let parameters: SpectrogramParameters
    /// Frames (columns of every matrix).
    public let frameCount: Int
    /// Mel spectrogram [nMels, frames] of |STFT|^power (librosa `melspectrogram`).
    public let mel: FeatureMatrix
    /// `mel` in dB (librosa `power_to_db(mel, ref, amin, top_db)`).
    public let melDB: FeatureMatrix
    /// Spectral centroid, bandwidth (p = 2), rolloff (85 %) and flatness (amin 1e-10, power 2)
    /// of |STFT|, one value per frame.
    public let spectral: SpectralFeatures
    /// RMS per frame from |STFT| (librosa `feature.rms(S=|STFT|, frame_length=nFFT)`).
    public let rms: [Float]
    /// Zero-crossing rate per frame (librosa `feature.zero_crossing_rate(y, frame_length=nFFT,
    /// hop_length)`, computed from the samples).
    public let zeroCrossingRate: [Float]
    /// Chromagram [12, frames] of |STFT|², tuning 0, each frame scaled to max 1
    /// (librosa `feature.chroma_stft(S=|STFT|², tuning=0.0)`).
    public let chroma: FeatureMatrix

    /// Analyses mono samples at `parameters.sampleRate`. Throws for invalid parameters.
    /// Empty input gives one silent frame (as librosa's STFT does).
    public init(samples y: [Float], parameters: SpectrogramParameters = .init()) throws {
        try parameters.validate()
        let frames = STFTFrames(nFFT: parameters.nFFT, hopLength: parameters.hopLength)
        let melBank = MelFilterbank.shared(for: parameters)
        let chromaBank = ChromaFilterbank.shared(sampleRate: parameters.sampleRate, nFFT: parameters.nFFT)
        let kernel = try SpectralKernel(binCount: parameters.binCount, sampleRate: parameters.sampleRate)
        let columns = frames.frameCount(sampleCount: y.count), bins = parameters.binCount
        let exponent = Float(parameters.power / 2)

        var mel = FeatureMatrix(rows: parameters.nMels, columns: columns)
        var chroma = FeatureMatrix(rows: chromaBank.nChroma, columns: columns)
        var centroid = [Float](repeating: 0, count: columns), bandwidth = centroid, rolloff = centroid,
            flatness = centroid, rms = centroid
        let magnitude = UnsafeMutableBufferPointer<Float>.allocate(capacity: bins)
        defer { magnitude.deallocate() }
        // Power spectra of the frames not yet through the chroma bank (one block product each
        // `blockFrames` frames) and, with the default power 2, the mel bank (eight frames per
        // pass); for other powers |X|^power gathers in `melBlock` for the mel bank.
        let blockFrames = ChromaFilterbank.blockFrames, melFrames = MelFilterbank.blockFrames
        precondition(blockFrames % melFrames == 0, "chroma blocks hold whole mel blocks")
        let powerBlock = UnsafeMutablePointer<Float>.allocate(capacity: blockFrames * bins)
        defer { powerBlock.deallocate() }
        let melBlock = UnsafeMutablePointer<Float>.allocate(capacity: melFrames * bins)
        defer { melBlock.deallocate() }
        let melScratch = MelFilterbank.Scratch(binCount: bins)

        mel.withUnsafeMutableValues { melOut in
            chroma.withUnsafeMutableValues { chromaOut in
                y.withUnsafeBufferPointer { samples in
                    frames.forEachPowerSpectrum(of: samples, into: powerBlock, slots: blockFrames) { t, power in
                        let p = UnsafePointer(power.baseAddress!), m = magnitude.baseAddress!
                        VectorMath.squareRoot(p, into: m, count: bins)
                        if exponent != 1 {
                            let melSlot = t % melFrames
                            let input = UnsafeMutableBufferPointer(start: melBlock + melSlot * bins, count: bins)
                            _ = input.update(fromContentsOf: power)
                            MelSpectrogram.applyExponent(exponent, to: input)
                            if melSlot == melFrames - 1 || t == columns - 1 {
                                melBank.applyBlock(power: melBlock, frames: melSlot + 1, to: melOut.baseAddress! + (t - melSlot),
                                                   stride: columns, scratch: melScratch)
                            }
                        }
                        let slot = t % blockFrames  // `power` is slot `slot` of `powerBlock`
                        if slot == blockFrames - 1 || t == columns - 1 {
                            chromaBank.apply(powerBlock: powerBlock, frames: slot + 1,
                                             to: chromaOut.baseAddress! + (t - slot), stride: columns)
                            if exponent == 1 {
                                var first = 0
                                while first <= slot {
                                    let count = min(melFrames, slot + 1 - first)
                                    melBank.applyBlock(power: powerBlock + first * bins, frames: count,
                                                       to: melOut.baseAddress! + (t - slot + first), stride: columns,
                                                       scratch: melScratch)
                                    first += count
                                }
                            }
                        }
                        let shape = kernel.shape(magnitude: m, power: p)
                        centroid[t] = shape.centroid
                        bandwidth[t] = shape.bandwidth
                        rolloff[t] = shape.rolloff
                        flatness[t] = shape.flatness
                        rms[t] = kernel.rms(power: p)
                    }
                }
            }
        }
        var melDB = mel
        melDB.withUnsafeMutableValues {
            Decibels.convertInPlace($0, ref: parameters.ref, amin: parameters.amin, topDB: parameters.topDB)
        }
        self.parameters = parameters
        self.frameCount = columns
        self.mel = mel
        self.melDB = melDB
        self.chroma = chroma
        self.spectral = SpectralFeatures(centroid: centroid, bandwidth: bandwidth, rolloff: rolloff, flatness: flatness)
        self.rms = rms
        self.zeroCrossingRate = try ZeroCrossingRate.zeroCrossingRate(
            y, frameLength: parameters.nFFT, hopLength: parameters.hopLength)
    }

    /// MFCCs [count, frames] of `melDB` (librosa `feature.mfcc(S=melDB, n_mfcc=count)`).
    public func mfcc(count: Int = 13) throws -> FeatureMatrix {
        try MFCC.mfcc(melDB: melDB, count: count)
    }

    /// Onset strength per frame from `melDB` (librosa `onset.onset_strength`); equal to
    /// librosa's own envelope of the signal when the dB settings are librosa's defaults.
    public func onsetStrength(aggregate: OnsetStrength.Aggregate = .mean, lag: Int = 1) throws -> [Float] {
        try OnsetStrength.onsetStrength(melDB: melDB, lag: lag, nFFT: parameters.nFFT,
                                        hopLength: parameters.hopLength, aggregate: aggregate)
    }
}
