import Foundation
import Tensor

/// Everything drawn for one synthetic head, kept so a dataset records how each subject was made.
public struct HeadParameters: Codable, Equatable, Sendable {
    /// Identity weights (N(0, spread), clipped).
    public var identity: [Float]
    /// Expression name -> weight in [0, 1] (ICT-FaceKit's ARKit-style names).
    public var expression: [String: Float]
    /// The preset the expression came from ("neutral", "smile", ... or "mixture").
    public var expressionPreset: String
    /// Linear RGB albedos.
    public var skin: [Float], iris: [Float]
}

/// Draws head parameters from a seed: identity weights from N(0, spread) clipped to +-clip, one of
/// the expression presets (or a random mixture), a skin tone across the full human range (Fitzpatrick
/// I to VI, as linear albedo) and an iris colour. Same seed, same head.
public struct HeadSampler: Sendable {
    public var identityModes = 100
    public var spread: Float = 1, clip: Float = 2.5

    /// Expression presets that read clearly, as ICT-FaceKit blendshape weights.
    public static let presets: [String: [String: Float]] = [
        "neutral": [:],
        "smile": ["mouthSmile_L": 0.9, "mouthSmile_R": 0.9, "cheekSquint_L": 0.4, "cheekSquint_R": 0.4],
        "laugh": ["jawOpen": 0.55, "mouthSmile_L": 1, "mouthSmile_R": 1, "cheekRaiser_L": 0.6, "cheekRaiser_R": 0.6, "eyeSquint_L": 0.4,
                  "eyeSquint_R": 0.4],
        "surprise": ["browInnerUp_L": 1, "browInnerUp_R": 1, "browOuterUp_L": 0.9, "browOuterUp_R": 0.9, "eyeWide_L": 0.8,
                     "eyeWide_R": 0.8, "jawOpen": 0.35],
        "frown": ["browDown_L": 0.9, "browDown_R": 0.9, "mouthFrown_L": 0.8, "mouthFrown_R": 0.8],
        "pucker": ["mouthPucker": 1, "mouthFunnel": 0.3],
        "squint": ["eyeSquint_L": 0.9, "eyeSquint_R": 0.9, "cheekSquint_L": 0.6, "cheekSquint_R": 0.6],
        "smirk": ["mouthSmile_L": 0.9, "mouthDimple_L": 0.5, "cheekSquint_L": 0.3],
        "jaw sideways": ["jawLeft": 0.8, "mouthLeft": 0.4],
        "eyes closed": ["eyeBlink_L": 1, "eyeBlink_R": 1],
    ]

    /// Skin albedos from very light to very dark (linear RGB, measured-skin-like ramp).
    static let skinRamp: [SIMD3<Float>] = [SIMD3(0.80, 0.62, 0.53), SIMD3(0.70, 0.50, 0.40), SIMD3(0.56, 0.38, 0.28),
                                           SIMD3(0.42, 0.27, 0.18), SIMD3(0.26, 0.16, 0.10), SIMD3(0.13, 0.08, 0.05)]
    static let irises: [SIMD3<Float>] = [SIMD3(0.10, 0.06, 0.03), SIMD3(0.22, 0.13, 0.06), SIMD3(0.18, 0.28, 0.42),
                                         SIMD3(0.22, 0.30, 0.18), SIMD3(0.30, 0.30, 0.32)]

    public init() {}

    public func sample(seed: UInt64) -> HeadParameters {
        var rng = SeededGenerator(seed: seed)
        let identity = (0..<identityModes).map { _ in max(-clip, min(clip, spread * rng.nextNormal())) }
        let names = Self.presets.keys.sorted()
        let pick = Int(rng.next() % UInt64(names.count + 1))
        var expression: [String: Float], preset: String
        if pick < names.count {
            preset = names[pick]
            expression = Self.presets[preset]!
        } else {
            // A random mixture of two presets at random strengths.
            preset = "mixture"
            expression = [:]
            for _ in 0..<2 {
                let strength = 0.3 + 0.7 * rng.nextUniform()
                for (name, weight) in Self.presets[names[Int(rng.next() % UInt64(names.count))]]! {
                    expression[name] = min(1, (expression[name] ?? 0) + strength * weight)
                }
            }
        }
        let t = rng.nextUniform() * Float(Self.skinRamp.count - 1), i = min(Int(t), Self.skinRamp.count - 2), f = t - Float(i)
        let skin = Self.skinRamp[i] * (1 - f) + Self.skinRamp[i + 1] * f
        let iris = Self.irises[Int(rng.next() % UInt64(Self.irises.count))]
        return HeadParameters(identity: identity, expression: expression, expressionPreset: preset,
                              skin: [skin.x, skin.y, skin.z], iris: [iris.x, iris.y, iris.z])
    }
}
