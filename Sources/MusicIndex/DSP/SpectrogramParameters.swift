/// The settings of every spectrogram-based feature: the STFT framing, the mel filterbank, the
/// exponent of the magnitude and the dB conversion. The defaults are librosa 0.11's own
/// (`librosa.feature.melspectrogram` + `librosa.power_to_db` with `n_mels=128`), which is what
/// the model file records and what the reference fixtures were made with.
///
/// Fixed, as in those librosa calls: a periodic Hann window of `nFFT` samples
/// (`win_length = n_fft`), centred frames padded with zeros (`center=True,
/// pad_mode="constant"`), Slaney mel scale and Slaney area normalisation (`htk=False,
/// norm="slaney"`).
///
/// Encoded with librosa's argument names (`sample_rate`, `n_fft`, `hop_length`, `n_mels`,
/// `fmin`, `fmax`, `power`, `ref`, `amin`, `top_db`), every key present; `fmax` and `top_db`
/// are written as `null` when nil, because a missing `top_db` must not silently mean "no
/// clipping". Decoding validates.
public struct SpectrogramParameters: Sendable, Hashable, Codable {
    /// Samples per second of the input (Hz). Default 22050.
    public var sampleRate: Int
    /// FFT and window length in samples; must be even. Default 2048 (93 ms at 22050 Hz).
    public var nFFT: Int
    /// Samples between the starts of consecutive frames. Default 512.
    public var hopLength: Int
    /// Mel bands. Default 128.
    public var nMels: Int
    /// Lowest mel band edge (Hz). Default 0.
    public var fMin: Double
    /// Highest mel band edge (Hz); nil means sampleRate / 2 (librosa's `fmax=None`).
    public var fMax: Double?
    /// Exponent applied to the STFT magnitude before the mel filterbank: 2 = power, 1 = magnitude.
    public var power: Double
    /// power_to_db `ref`: the value that maps to 0 dB. Default 1.
    public var ref: Double
    /// power_to_db `amin`: values below it count as it (the dB floor, -100 dB for 1e-10).
    public var amin: Double
    /// power_to_db `top_db`: dB values more than this below the matrix maximum are raised to
    /// (maximum - topDB); nil disables it. Default 80.
    public var topDB: Double?

    public init(sampleRate: Int = 22050, nFFT: Int = 2048, hopLength: Int = 512, nMels: Int = 128,
                fMin: Double = 0, fMax: Double? = nil, power: Double = 2,
                ref: Double = 1, amin: Double = 1e-10, topDB: Double? = 80) {
        self.sampleRate = sampleRate
        self.nFFT = nFFT
        self.hopLength = hopLength
        self.nMels = nMels
        self.fMin = fMin
        self.fMax = fMax
        self.power = power
        self.ref = ref
        self.amin = amin
        self.topDB = topDB
    }

    /// `fMax`, or the Nyquist frequency when it is nil (Hz).
    public var effectiveFMax: Double { fMax ?? Double(sampleRate) / 2 }

    /// Frequency bins of one spectrum: 1 + nFFT / 2.
    public var binCount: Int { 1 + nFFT / 2 }

    /// Throws `MusicIndexError.invalidArgument` naming the first setting that is out of range.
    public func validate() throws {
        func reject(_ message: String) -> MusicIndexError {
            .invalidArgument("invalid spectrogram parameters: \(message)")
        }
        guard sampleRate >= 1 else { throw reject("sampleRate must be positive (got \(sampleRate))") }
        guard nFFT >= 2 else { throw reject("nFFT must be at least 2 (got \(nFFT))") }
        guard nFFT % 2 == 0 else { throw reject("nFFT must be even (got \(nFFT))") }
        guard nFFT <= 1 << 24 else { throw reject("nFFT must be at most 16777216 (got \(nFFT))") }
        guard hopLength >= 1 else { throw reject("hopLength must be at least 1 (got \(hopLength))") }
        guard nMels >= 1 else { throw reject("nMels must be at least 1 (got \(nMels))") }
        guard fMin.isFinite, fMin >= 0 else { throw reject("fMin must be a finite frequency >= 0 Hz (got \(fMin))") }
        let nyquist = Double(sampleRate) / 2
        if let fMax {
            guard fMax.isFinite, fMax > 0 else { throw reject("fMax must be a positive frequency (got \(fMax))") }
            guard fMax <= nyquist else {
                throw reject("fMax must not exceed sampleRate / 2 = \(nyquist) Hz (got \(fMax))")
            }
        }
        guard fMin < effectiveFMax else {
            throw reject("fMin (\(fMin) Hz) must be below fMax (\(effectiveFMax) Hz)")
        }
        guard power.isFinite, power > 0 else { throw reject("power must be positive (got \(power))") }
        guard ref.isFinite, ref > 0 else { throw reject("ref must be positive (got \(ref))") }
        guard amin.isFinite, amin > 0 else { throw reject("amin must be positive (got \(amin))") }
        if let topDB {
            guard topDB.isFinite, topDB >= 0 else { throw reject("topDB must be >= 0 dB (got \(topDB))") }
        }
    }

    private enum CodingKeys: String, CodingKey {
        case sampleRate = "sample_rate", nFFT = "n_fft", hopLength = "hop_length", nMels = "n_mels"
        case fMin = "fmin", fMax = "fmax", power, ref, amin, topDB = "top_db"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            sampleRate: try container.decode(Int.self, forKey: .sampleRate),
            nFFT: try container.decode(Int.self, forKey: .nFFT),
            hopLength: try container.decode(Int.self, forKey: .hopLength),
            nMels: try container.decode(Int.self, forKey: .nMels),
            fMin: try container.decode(Double.self, forKey: .fMin),
            // decode(Optional) requires the key and accepts null; decodeIfPresent would not.
            fMax: try container.decode(Double?.self, forKey: .fMax),
            power: try container.decode(Double.self, forKey: .power),
            ref: try container.decode(Double.self, forKey: .ref),
            amin: try container.decode(Double.self, forKey: .amin),
            topDB: try container.decode(Double?.self, forKey: .topDB))
        do {
            try validate()
        } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "\(error)"))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(sampleRate, forKey: .sampleRate)
        try container.encode(nFFT, forKey: .nFFT)
        try container.encode(hopLength, forKey: .hopLength)
        try container.encode(nMels, forKey: .nMels)
        try container.encode(fMin, forKey: .fMin)
        try container.encode(fMax, forKey: .fMax)
        try container.encode(power, forKey: .power)
        try container.encode(ref, forKey: .ref)
        try container.encode(amin, forKey: .amin)
        try container.encode(topDB, forKey: .topDB)
    }
}
