import Foundation
import Testing
@testable import MusicIndex

/// The eight-lane exp, sigmoid and tanh of the network's gates against libm, over the whole
/// range the gates see and beyond it (clamped arguments).
@Suite struct VectorMathTests {
    /// Arguments from -100 to 100 in uneven steps, plus values near 0 and the clamp edges.
    static let arguments: [Float] = {
        var values = stride(from: -100.0, through: 100.0, by: 0.013_7).map { Float($0) }
        values += [0, -0, 1e-8, -1e-8, 1e-3, -1e-3, -87, 88, -87.5, 88.5, .ulpOfOne, 0.346_573_6, -0.346_573_6]
        while values.count % 8 != 0 { values.append(0.5) }
        return values
    }()

    static func lanes(_ f: (SIMD8<Float>) -> SIMD8<Float>) -> [Float] {
        stride(from: 0, to: arguments.count, by: 8).flatMap { start -> [Float] in
            let out = f(SIMD8(arguments[start..<(start + 8)]))
            return (0..<8).map { out[$0] }
        }
    }

    @Test func expIsWithinTwoULPsWhereItIsNormal() {
        let values = Self.lanes(VectorMath8.exp)
        var worst: Float = 0
        for (x, value) in zip(Self.arguments, values) where x >= -87 && x <= 88 {
            let reference = Foundation.exp(x)
            worst = max(worst, abs(value - reference) / reference.ulp)
        }
        #expect(worst <= 2, "worst error \(worst) ulp")
        // Clamped: finite and positive at the extremes.
        for (x, value) in zip(Self.arguments, values) where x < -87 || x > 88 {
            #expect(value.isFinite && value > 0, "exp(\(x)) = \(value)")
        }
    }

    @Test func sigmoidAndTanhMatchLibm() {
        let sigmoid = Self.lanes(VectorMath8.sigmoid), tanh = Self.lanes(VectorMath8.tanh)
        var worstSigmoid = 0.0, worstTanh = 0.0
        for (index, x) in Self.arguments.enumerated() {
            let xd = Double(x)
            worstSigmoid = max(worstSigmoid, abs(Double(sigmoid[index]) - 1 / (1 + Foundation.exp(-xd))))
            worstTanh = max(worstTanh, abs(Double(tanh[index]) - Foundation.tanh(xd)))
        }
        #expect(worstSigmoid < 2e-7, "sigmoid: largest absolute error \(worstSigmoid)")
        #expect(worstTanh < 3e-7, "tanh: largest absolute error \(worstTanh)")
    }
}
