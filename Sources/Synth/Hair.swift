import Foundation
import Geometry

/// Hair as geometry: every style is a solid in the head's frame (cm) sampled on a grid and
/// polygonised (see `ImplicitPart`). The base is a cap: the scalp offset outwards by a thickness
/// that varies over the head, limited to the region above a hairline and away from the ears,
/// tapering to a thin edge at the hairline. Styles add volumes: a curtain falling from the cap to
/// the jaw (bob) or past the shoulders (long), a bun or a ponytail by smooth union; curly hair displaces the surface
/// with noise. Strands are texture: each vertex gets a flow direction (from the crown or the
/// parting, falling down the curtains) that the shader streaks and highlights along.
struct HairBuilder {
    let style: HairStyle
    let colour: SIMD3<Float>
    let noise: ValueNoise
    /// Signed distance to the bare head (cm).
    var head: (SIMD3<Float>) -> Float

    /// The centre the hairline's angles are measured from.
    static let centre = SIMD3<Float>(0, 4, 1)

    /// How far a point is outside the region hair grows on (cm, negative inside): above the hairline,
    /// whose elevation seen from `centre` falls from about 38 degrees over the forehead to 22 over the
    /// ears and -30 at the nape, and outside ellipsoids around the ears.
    func scalpMask(_ p: SIMD3<Float>) -> Float {
        let d = p - Self.centre, r = d.length
        guard r > 1e-3 else { return 0 }
        let elevation = asin(max(-1, min(1, d.y / r))), azimuth = atan2(d.x, d.z)
        var hairline: Float = 13 + 34 * cos(azimuth) - 9 * cos(2 * azimuth)
        if style == .bob || style == .curly { hairline -= 6 * max(0, cos(azimuth)) }  // a fringe
        if hangs { hairline -= 28 * sin(azimuth) * sin(azimuth) }  // over the ears
        // A ragged hairline: hair grows in tufts, not along a drawn curve.
        var mask = (hairline * .pi / 180 - elevation) * r + 0.45 * noise(p * 1.3 + 71)
        for side: Float in [-1, 1] where !hangs {
            mask = max(mask, -Shapes.ellipsoid(p, centre: SIMD3(10.3 * side, 2.6, 0.2), radii: SIMD3(3.4, 4.3, 3.6)))
        }
        return mask
    }

    /// Whether the hair falls round the head (and over the ears) as a curtain.
    var hangs: Bool { style == .bob || style == .longStraight }

    /// The cap's thickness over the scalp (cm) for this style, before the taper at the hairline.
    func capThickness(_ p: SIMD3<Float>) -> Float {
        let top = smoothstep(4, 13, p.y)
        switch style {
        case .bald: return 0
        case .buzz: return 0.22
        case .short: return 0.9 + 0.6 * top + 0.25 * noise(p * 0.5) + 0.08 * noise(p * 1.1 + 29)
        case .sidePart:
            let parting = 0.9 * Foundation.exp(-(p.x + 2.5) * (p.x + 2.5) / 0.4) * smoothstep(9, 12, p.y) * smoothstep(-4, 2, p.z)
            return 1.2 + 0.7 * top + 0.5 * smoothstep(-3, 6, p.x) - parting + 0.15 * noise(p * 0.6) + 0.06 * noise(p * 1.1 + 29)
        case .curly: return 2.6 + 0.8 * top
        case .bob, .longStraight: return 1.3 + 0.5 * top
        case .bun, .ponytail: return 0.75 + 0.15 * top
        }
    }

    /// The thickest the cap gets (for a hat over it).
    var maximumThickness: Float {
        switch style {
        case .bald: return 0
        case .buzz: return 0.22
        case .curly: return 4.3
        default: return 2.4
        }
    }

    func cap(_ p: SIMD3<Float>) -> Float {
        let mask = scalpMask(p)
        // Far outside the region (or far from the head) the head's distance is not needed.
        if mask > 3 { return mask }
        let taper = smoothstep(0, 2.5, -mask)
        let thickness = 0.08 + (capThickness(p) - 0.08) * taper
        return max(head(p) - thickness, mask)
    }

    /// Where a curtain of hair ends (cm): the bottom, ragged, and the plane in front of which the
    /// face stays clear.
    var curtain: (bottom: Float, front: Float)? {
        switch style {
        case .bob: return (-6.5, 5)
        case .longStraight: return (-27, 5)
        default: return nil
        }
    }

    /// Hair falling from the cap: every grid column takes, at each height, the least field value
    /// above it (the cap swept straight down), behind the front plane and above the ragged bottom;
    /// below y = -8 long hair flares a little over the shoulders.
    func hangDown(_ grid: inout ScalarGrid) {
        guard let (bottom, front) = curtain else { return }
        for k in 0..<grid.nz {
            for i in 0..<grid.nx {
                var falling = Float.infinity
                for j in stride(from: grid.ny - 1, through: 0, by: -1) {
                    let p = grid.point(i, j, k), index = grid.index(i, j, k)
                    let own = grid.values[index]
                    falling = min(falling + (p.y < -8 ? -0.012 * grid.spacing : 0), own)
                    let ragged = bottom + 1.2 * noise(SIMD3(p.x * 0.6, 0, p.z * 0.6))
                    let behind = -Shapes.smoothUnion(-(p.z - front), -falling, k: 1.2)  // rounded front edge
                    grid.values[index] = min(own, max(behind, ragged - p.y))
                }
            }
        }
    }

    func field(_ p: SIMD3<Float>) -> Float {
        var f = cap(p)
        switch style {
        case .curly:
            f -= 0.9 * noise.fractal(p * 0.75, octaves: 2)
        case .bun:
            f = Shapes.smoothUnion(f, Shapes.sphere(p, centre: SIMD3(0, 11, -9.2), radius: 4.0) - 0.3 * noise(p * 0.8), k: 1.5)
        case .ponytail:
            let tail = min(Shapes.capsule(p, SIMD3(0, 7, -10.2), SIMD3(0, 0, -11.4), ra: 1.5, rb: 1.4),
                           Shapes.capsule(p, SIMD3(0, 0, -11.4), SIMD3(0, -10, -10.6), ra: 1.4, rb: 0.9)) - 0.25 * noise(p * 0.9)
            f = Shapes.smoothUnion(f, tail, k: 1.5)
        default: break
        }
        return f
    }

    /// The box the hair can occupy.
    var bounds: (lower: SIMD3<Float>, upper: SIMD3<Float>) {
        let reach: Float = style == .curly ? 16 : 13.5
        let bottom: Float = style == .longStraight ? -30 : style == .ponytail ? -13 : style == .bob ? -9 : -4
        let back: Float = style == .ponytail || style == .bun ? -16.5 : -15
        return (SIMD3(-reach, bottom, back), SIMD3(reach, style == .curly ? 21 : 19.5, 14))
    }

    /// The strand direction at a surface point: away from the crown (or the parting) over the top,
    /// straight down the curtains and the tail, tumbling in curls.
    func flow(_ p: SIMD3<Float>, normal: SIMD3<Float>) -> SIMD3<Float> {
        var direction: SIMD3<Float>
        switch style {
        case .sidePart: direction = SIMD3(p.x + 2.5 > 0 ? 1 : -1, -0.6, 0.2)
        case .bun, .ponytail: direction = SIMD3(0, 12, -9) - p  // pulled back to the tie
        default: direction = p - SIMD3(0, 13, -3)
        }
        direction /= max(direction.length, 1e-6)
        let falling = 1 - smoothstep(1, 7, p.y)
        direction = direction * (1 - falling) + SIMD3(0, -1, 0) * falling
        if style == .curly {
            direction += 1.4 * SIMD3(noise(p * 0.9), noise(p * 0.9 + 31), noise(p * 0.9 + 67))
        }
        return direction.tangential(to: normal)
    }

    func part(spacing: Float = 0.35) -> ImplicitPart? {
        guard style != .bald else { return nil }
        let (lower, upper) = bounds
        var part = ImplicitPart(name: "hair", lower: lower, upper: upper, spacing: spacing, field: field) { p, n in
            // Root-to-tip and clump variation of the colour; a hint of lighter ends on long hair.
            let clump = 0.82 + 0.3 * (0.5 + 0.5 * self.noise.fractal(p * 0.35 + 11, octaves: 2))
            let ends = self.style == .longStraight ? 1 + 0.25 * smoothstep(-8, -26, p.y) : 1
            return Material(albedo: self.colour * clump * ends, specular: 0.35, hair: 1, tangent: self.flow(p, normal: n))
        }
        if hangs { part.reshape = hangDown }
        return part
    }
}
