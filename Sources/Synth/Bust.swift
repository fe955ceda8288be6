import Foundation

/// Shoulders and chest in a plain garment, so an orbit shows a bust as portraits do. The FaceKit
/// mesh ends in a flared neck base, which is painted as the garment below a crew neckline (see
/// `HeadAppearance`); this solid continues it: shoulders, a chest, and a pad under the base that
/// closes its opening, blended by smooth unions.
struct BustBuilder {
    /// The depth (z, cm) of the neck's centre at the base.
    let neckCentreZ: Float
    let colour: SIMD3<Float>
    let noise: ValueNoise

    static let shoulderHeight: Float = -21

    func field(_ p: SIMD3<Float>) -> Float {
        let (zc, ys) = (neckCentreZ, Self.shoulderHeight)
        var torso = Shapes.capsule(p, SIMD3(-15.5, ys, zc), SIMD3(15.5, ys, zc), ra: 6, rb: 6)
        torso = Shapes.smoothUnion(torso, Shapes.roundedBox(p, centre: SIMD3(0, ys - 10, zc + 0.5), half: SIMD3(19, 10, 10), rounding: 6), k: 4)
        torso = Shapes.smoothUnion(torso, Shapes.ellipsoid(p, centre: SIMD3(0, -17, zc), radii: SIMD3(10.5, 3.5, 7)), k: 3)
        // Cut flat well below the frame.
        return max(torso, ys - 19 - p.y)
    }

    func part(spacing: Float = 0.6) -> ImplicitPart {
        let zc = neckCentreZ, ys = Self.shoulderHeight
        return ImplicitPart(name: "bust", lower: SIMD3(-25, ys - 20, zc - 13), upper: SIMD3(25, -12, zc + 13), spacing: spacing,
                            field: field) { p, _ in
            BustBuilder.garment(p, colour: self.colour, noise: self.noise)
        }
    }

    /// The garment's look at a point: a soft weave and a few folds.
    static func garment(_ p: SIMD3<Float>, colour: SIMD3<Float>, noise: ValueNoise) -> Material {
        let folds = 0.06 * noise(SIMD3(p.x * 0.25, p.y * 0.1, p.z * 0.25) + 5)
        return Material(albedo: colour * (1 + folds + 0.03 * noise(p * 2.5)), specular: 0.03)
    }

    /// Whether a point of the neutral skin is below the crew neckline (y -12.8 cm at the back and
    /// sides, dipping to -14.8 at the front), as a 0...1 weight.
    static func neckline(_ p: SIMD3<Float>) -> Float {
        let front = max(0, min(1, (p.z - 0) / 5))
        return 1 - smoothstep(-13.2 - 2 * front, -12.8 - 2 * front, p.y)
    }
}
