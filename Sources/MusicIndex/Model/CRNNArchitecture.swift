/// The shape of the genre network, the model file's `architecture` metadata
/// (training/MODEL_FORMAT.md): B convolution blocks (Conv2d -> BatchNorm2d -> ReLU ->
/// MaxPool2d), a one-layer GRU read along time, the mean of its states, a linear layer.
///
/// Every value is range-checked when read, so a model that loads can be built and run.
/// The sizes are general (any odd kernel, padding up to the kernel, any pool), with the
/// size rules of PyTorch: a convolution maps n to n + 2 * padding - kernel + 1, a pooling
/// n to floor(n / pool).
public struct CRNNArchitecture: Sendable, Hashable {
    /// Output channels of each convolution block (B = count, at least one).
    public let convChannels: [Int]
    /// Square convolution kernel size (odd).
    public let convKernel: Int
    /// Zeros added on each side of both axes before each convolution.
    public let convPadding: Int
    /// Square max-pool size and stride (floor mode: leftover rows and columns are dropped).
    public let pool: Int
    /// BatchNorm2d epsilon added to the running variance.
    public let batchNormEps: Double
    /// GRU hidden size H, which is also the embedding size.
    public let gruHidden: Int

    /// Accepted ranges: generous for any plausible model, small enough that no size
    /// computation can overflow.
    static let channelRange = 1...4096
    static let kernelRange = 1...31
    static let poolRange = 1...16
    static let hiddenRange = 1...16384

    public init(convChannels: [Int], convKernel: Int, convPadding: Int, pool: Int,
                batchNormEps: Double, gruHidden: Int) {
        self.convChannels = convChannels
        self.convKernel = convKernel
        self.convPadding = convPadding
        self.pool = pool
        self.batchNormEps = batchNormEps
        self.gruHidden = gruHidden
    }

    /// Number of convolution blocks B.
    public var blockCount: Int { convChannels.count }

    /// The size of one axis after block `i` given its size before, nil once it is empty.
    func sizeAfterBlock(_ size: Int) -> Int? {
        let convolved = size + 2 * convPadding - convKernel + 1
        guard convolved >= 1 else { return nil }
        let pooled = convolved / pool
        return pooled >= 1 ? pooled : nil
    }

    /// The size of an axis after all B blocks, nil when it vanishes on the way.
    func sizeAfterBlocks(_ size: Int) -> Int? {
        var size = size
        for _ in convChannels {
            guard let next = sizeAfterBlock(size) else { return nil }
            size = next
        }
        return size
    }

    /// The shortest segment (frames) the network accepts: one time step must survive all B
    /// blocks. 2^B for the default same-padded 3x3 convolutions and 2x2 pools.
    public var minimumFrames: Int {
        // Walk back from one output step: a pool needs `pool` inputs, a convolution
        // needs kernel - 2 * padding more than it outputs (and at least one).
        var size = 1
        for _ in convChannels {
            size = max(1, size * pool + convKernel - 1 - 2 * convPadding)
        }
        return size
    }

    /// GRU input size F for `nMels` mel bands: the last block's channels times the mel bins
    /// left after B blocks; nil when no bin is left.
    func gruInputSize(nMels: Int) -> Int? {
        guard let channels = convChannels.last, let bins = sizeAfterBlocks(nMels) else { return nil }
        let (size, overflow) = channels.multipliedReportingOverflow(by: bins)
        return overflow ? nil : size
    }

    /// Reads and checks the `architecture` metadata value.
    static func parse(_ text: String) throws(ModelFileError) -> CRNNArchitecture {
        func bad(_ reason: String) -> ModelFileError { .badMetadata(key: "architecture", reason: reason) }
        let json: StrictJSON
        do { json = try StrictJSON.parse(text) } catch { throw bad("not JSON: \(error)") }
        guard let members = json.members else { throw bad("is \(json.kind), not an object") }
        let known: Set = ["type", "conv_channels", "conv_kernel", "conv_padding", "pool", "batch_norm_eps",
                          "gru_hidden", "gru_layers", "temporal_pooling"]
        // An unknown key could change the network (a second direction, a dropout at
        // inference), so it is refused rather than ignored.
        for (key, _) in members where !known.contains(key) { throw bad("unknown key \"\(key)\"") }
        func integer(_ key: String, in range: ClosedRange<Int>) throws(ModelFileError) -> Int {
            guard let value = json[key] else { throw bad("no \"\(key)\"") }
            guard let number = value.intValue else { throw bad("\(key) is \(value.kind), not an integer") }
            guard range.contains(number) else { throw bad("\(key) \(number) outside \(range.lowerBound)...\(range.upperBound)") }
            return number
        }
        func string(_ key: String) throws(ModelFileError) -> String {
            guard let value = json[key] else { throw bad("no \"\(key)\"") }
            guard let string = value.stringValue else { throw bad("\(key) is \(value.kind), not a string") }
            return string
        }
        let type = try string("type")
        guard type == "crnn" else { throw bad("type \"\(type)\" is not \"crnn\"") }
        guard let channelValues = json["conv_channels"]?.elements else { throw bad("conv_channels is not an array") }
        guard (1...16).contains(channelValues.count) else {
            throw bad("conv_channels has \(channelValues.count) blocks, 1...16 supported")
        }
        var channels: [Int] = []
        for value in channelValues {
            guard let count = value.intValue, channelRange.contains(count) else {
                throw bad("conv_channels entry \(value) is not an integer in \(channelRange.lowerBound)...\(channelRange.upperBound)")
            }
            channels.append(count)
        }
        let kernel = try integer("conv_kernel", in: kernelRange)
        guard kernel % 2 == 1 else { throw bad("conv_kernel \(kernel) is even (odd kernels only)") }
        let padding = try integer("conv_padding", in: 0...kernel)
        let pool = try integer("pool", in: poolRange)
        guard let epsValue = json["batch_norm_eps"] else { throw bad("no \"batch_norm_eps\"") }
        guard let eps = epsValue.doubleValue, eps.isFinite, eps > 0, eps < 1 else {
            throw bad("batch_norm_eps must be a number in (0, 1)")
        }
        let hidden = try integer("gru_hidden", in: hiddenRange)
        let layers = try integer("gru_layers", in: Int.min...Int.max)
        guard layers == 1 else { throw bad("gru_layers \(layers): only one GRU layer is supported") }
        let pooling = try string("temporal_pooling")
        guard pooling == "mean" else { throw bad("temporal_pooling \"\(pooling)\": only \"mean\" is supported") }
        return CRNNArchitecture(convChannels: channels, convKernel: kernel, convPadding: padding, pool: pool,
                                batchNormEps: eps, gruHidden: hidden)
    }
}
