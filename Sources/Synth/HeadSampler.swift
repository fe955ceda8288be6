import Foundation
import Tensor

/// Hairstyles built as geometry over the scalp (see `HairStyle.field`).
public enum HairStyle: String, Codable, CaseIterable, Sendable {
    case bald, buzz, short, sidePart = "side part", longStraight = "long straight", bob, bun, ponytail, curly
}

public enum BeardStyle: String, Codable, CaseIterable, Sendable {
    case none, stubble, short, full
}

public enum Accessory: String, Codable, CaseIterable, Sendable {
    case none, glasses, sunglasses, hat, headband, earrings
}

/// Everything drawn for one synthetic subject in one appearance, kept so a dataset records how each
/// image was made. Colours are linear RGB albedos; lengths are centimetres in the head's frame.
public struct HeadParameters: Codable, Equatable, Sendable {
    /// Identity weights (N(0, spread), clipped).
    public var identity: [Float]
    /// Expression name -> weight in [0, 1] (ICT-FaceKit's ARKit-style names).
    public var expression: [String: Float]
    /// The preset the expression came from ("neutral", "smile", ... or "mixture").
    public var expressionPreset: String
    public var skin: [Float], iris: [Float]
    /// How blotchy and freckled the skin is, in [0, 1].
    public var blotches: Float, freckles: Float
    public var hair: HairStyle, hairColour: [Float]
    public var beard: BeardStyle
    public var accessory: Accessory, accessoryColour: [Float]
    public var clothing: [Float]
    /// The key light's azimuth (degrees, 0 in front, positive to the subject's left) and height.
    public var keyLightAzimuth: Float, keyLightElevation: Float
    /// Seeds the subject's procedural detail (skin noise, hair strands, curls).
    public var detailSeed: UInt64
}

/// Draws subjects from a seed: identity weights from N(0, spread) clipped to +-clip, one of the
/// expression presets (or a random mixture), a skin tone across the full human range (Fitzpatrick I
/// to VI), iris, hair style and natural hair colour, beard, accessory, clothing and the key light's
/// direction. Same seed, same subject.
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

    /// Skin albedos from very light to very dark (linear RGB, a measured-skin-like ramp).
    static let skinRamp: [SIMD3<Float>] = [SIMD3(0.66, 0.47, 0.38), SIMD3(0.56, 0.37, 0.27), SIMD3(0.44, 0.27, 0.18),
                                           SIMD3(0.30, 0.17, 0.10), SIMD3(0.17, 0.09, 0.05), SIMD3(0.08, 0.045, 0.03)]
    static let irises: [SIMD3<Float>] = [SIMD3(0.05, 0.025, 0.01), SIMD3(0.12, 0.06, 0.02), SIMD3(0.10, 0.20, 0.36),
                                         SIMD3(0.12, 0.18, 0.08), SIMD3(0.20, 0.21, 0.24)]
    /// Natural hair albedos: black, dark brown, brown, light brown, blond, red, grey, white.
    static let hairColours: [SIMD3<Float>] = [SIMD3(0.012, 0.010, 0.009), SIMD3(0.035, 0.020, 0.012), SIMD3(0.09, 0.045, 0.020),
                                              SIMD3(0.20, 0.11, 0.05), SIMD3(0.50, 0.34, 0.16), SIMD3(0.30, 0.08, 0.025),
                                              SIMD3(0.30, 0.29, 0.28), SIMD3(0.62, 0.60, 0.57)]
    /// Plain, muted garment albedos.
    static let clothing: [SIMD3<Float>] = [SIMD3(0.02, 0.02, 0.025), SIMD3(0.55, 0.55, 0.55), SIMD3(0.05, 0.08, 0.20),
                                           SIMD3(0.25, 0.05, 0.05), SIMD3(0.10, 0.18, 0.10), SIMD3(0.40, 0.30, 0.18),
                                           SIMD3(0.70, 0.68, 0.62), SIMD3(0.15, 0.25, 0.40)]

    public init() {}

    /// One subject: identity, skin, hair, clothing and light, with `accessory` and `expression`
    /// chosen at random unless given (a dataset varies those per appearance).
    public func sample(seed: UInt64, expressionPreset: String? = nil, accessory: Accessory? = nil) -> HeadParameters {
        var rng = SeededGenerator(seed: seed)
        func pick<T>(_ options: [T]) -> T { options[Int(rng.next() % UInt64(options.count))] }
        func chance(_ p: Float) -> Bool { rng.nextUniform() < p }
        let identity = (0..<identityModes).map { _ in max(-clip, min(clip, spread * rng.nextNormal())) }
        let t = rng.nextUniform() * Float(Self.skinRamp.count - 1), i = min(Int(t), Self.skinRamp.count - 2), f = t - Float(i)
        let skin = Self.skinRamp[i] * (1 - f) + Self.skinRamp[i + 1] * f
        let iris = pick(Self.irises)
        // Mode 0 of the identity space is the strongest; its sign is taken as a masculine/feminine cue
        // for beard and hair length only, so neither is tied to anything else.
        let masculine = identity[0] + 0.8 * rng.nextNormal() > 0
        let hair: HairStyle = masculine ? pick([.bald, .buzz, .short, .short, .sidePart, .sidePart, .curly, .ponytail, .longStraight])
                                        : pick([.longStraight, .longStraight, .bob, .bob, .bun, .ponytail, .curly, .sidePart, .short])
        var hairColour = pick(Self.hairColours)
        // Very dark skin with black or dark-brown hair far more often than blond or red, as in people.
        if skin.x < 0.25 && chance(0.8) { hairColour = Self.hairColours[Int(rng.next() % 3)] }
        hairColour *= 0.85 + 0.3 * rng.nextUniform()
        let beard: BeardStyle = masculine ? pick([.none, .none, .stubble, .short, .full]) : .none
        let blotches = rng.nextUniform(), freckles = skin.x > 0.5 && chance(0.35) ? rng.nextUniform() : 0
        let clothes = pick(Self.clothing) * (0.85 + 0.3 * rng.nextUniform())
        let keyAzimuth = -60 + 120 * rng.nextUniform(), keyElevation = 20 + 30 * rng.nextUniform()
        let drawnAccessory: Accessory = chance(0.5) ? pick(Array(Accessory.allCases.dropFirst())) : .none
        let accessoryColour = pick([SIMD3<Float>(0.01, 0.01, 0.01), SIMD3(0.25, 0.12, 0.04), SIMD3(0.5, 0.45, 0.35),
                                    SIMD3(0.35, 0.02, 0.03), SIMD3(0.03, 0.06, 0.2)])
        let detailSeed = rng.next()
        // The expression is drawn last so choosing it per appearance leaves the rest of the subject alone.
        let names = Self.presets.keys.sorted()
        var expression: [String: Float], preset: String
        if let chosen = expressionPreset ?? { () -> String? in
            let k = Int(rng.next() % UInt64(names.count + 1))
            return k < names.count ? names[k] : nil
        }(), chosen != "mixture" {
            precondition(Self.presets[chosen] != nil, "unknown expression preset \(chosen)")
            preset = chosen
            expression = Self.presets[chosen]!
        } else {
            // A random mixture of two presets at random strengths.
            preset = "mixture"
            expression = [:]
            for _ in 0..<2 {
                let strength = 0.3 + 0.7 * rng.nextUniform()
                for (name, weight) in Self.presets[pick(names)]! { expression[name] = min(1, (expression[name] ?? 0) + strength * weight) }
            }
        }
        func rgb(_ c: SIMD3<Float>) -> [Float] { [c.x, c.y, c.z] }
        return HeadParameters(identity: identity, expression: expression, expressionPreset: preset, skin: rgb(skin), iris: rgb(iris),
                              blotches: blotches, freckles: freckles, hair: hair, hairColour: rgb(hairColour), beard: beard,
                              accessory: accessory ?? drawnAccessory, accessoryColour: rgb(accessoryColour), clothing: rgb(clothes),
                              keyLightAzimuth: keyAzimuth, keyLightElevation: keyElevation, detailSeed: detailSeed)
    }
}
