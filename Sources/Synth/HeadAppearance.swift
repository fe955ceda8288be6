import Foundation
import Geometry

/// The painted look of the FaceKit head, per vertex, from where each vertex sits on the neutral face
/// (so paint follows expressions): skin tone with redder lips, cheeks, nose and ears, darker brows
/// and lid lines, blotches and freckles as seeded noise, the beard area, sclera, iris, pupil, teeth
/// and mouth interior. Also which triangles are drawn: the model's transparent layers (lacrimal
/// fluid, eye blend and occlusion shells) and the eyelash cards are left out, they would paint over
/// the eyes.
struct HeadAppearance {
    static let hiddenRegions = ["lacrimal_fluid_left", "lacrimal_fluid_right", "eye_blend_left", "eye_blend_right",
                                "eye_occlusion_left", "eye_occlusion_right", "eyelashes_left", "eyelashes_right"]

    /// Per vertex: linear RGB albedo, specular strength, hair amount (strand texture) and strand direction.
    var albedo: [SIMD3<Float>], specular: [Float], hair: [Float], tangent: [SIMD3<Float>]
    /// Per vertex: how far the beard stands off the skin (cm) along the normal.
    var beardThickness: [Float]
    /// The triangles to draw [M', 3].
    let triangles: [Int32]

    init(_ kit: FaceKit, expressed: [SIMD3<Float>], parameters: HeadParameters) {
        let n = kit.vertexCount
        let neutral = (0..<n).map { SIMD3(kit.neutral[3 * $0], kit.neutral[3 * $0 + 1], kit.neutral[3 * $0 + 2]) }
        let landmarks = kit.landmarks68.map { neutral[$0] }
        let skin = SIMD3(parameters.skin[0], parameters.skin[1], parameters.skin[2])
        let hairColour = SIMD3(parameters.hairColour[0], parameters.hairColour[1], parameters.hairColour[2])
        let noise = ValueNoise(seed: parameters.detailSeed)
        albedo = [SIMD3<Float>](repeating: skin, count: n)
        specular = [Float](repeating: 0.06, count: n)
        hair = [Float](repeating: 0, count: n)
        tangent = [SIMD3<Float>](repeating: SIMD3(0, -1, 0), count: n)
        beardThickness = [Float](repeating: 0, count: n)
        let hidden = Self.hiddenRegions.compactMap { kit.regions[$0] }
        triangles = Mesh.triangles(kit.triangles) { v in !hidden.contains { $0.contains(Int(v)) } }

        let skinEnd = kit.regions["head_and_neck"]?.upperBound ?? -1
        // Brows are darker than the hair for blond, grey and white hair, and never lighter than the skin.
        let browColour = pointwiseMin(hairColour, skin * 0.35) * 0.9 + SIMD3(0.004, 0.003, 0.002)
        let lipTone = skin * SIMD3(0.86, 0.55, 0.56) + SIMD3(0.03, 0.0, 0.005)
        let outerLip = Array(landmarks[48...59]).map { SIMD2($0.x, $0.y) }
        let brows = [Array(landmarks[17...21].reversed()), Array(landmarks[22...26])].map { $0.map { $0 + SIMD3(0, -0.35, -0.1) } }
        let upperLids = [[landmarks[36], landmarks[37], landmarks[38], landmarks[39]], [landmarks[42], landmarks[43], landmarks[44], landmarks[45]]]
        for i in 0...max(skinEnd, -1) where i < n {
            let p = neutral[i]
            var c = skin
            // Blood-rich areas: lips, cheeks, nose tip, ears; shadows under the eyes.
            let lip = smoothstep(-0.12, 0.12, Self.insideDistance(SIMD2(p.x, p.y), polygon: outerLip)) * smoothstep(8.5, 9.5, p.z)
            c = c * (1 - lip) + lipTone * lip
            specular[i] += 0.08 * lip
            for side: Float in [-1, 1] {
                let cheek = Self.bump(p, SIMD3(4.3 * side, -0.3, 9.0), 2.2)
                c *= SIMD3(1, 1, 1) + cheek * SIMD3(0.05, -0.07, -0.06)
                c *= 1 - 0.08 * Self.bump(p, SIMD3(3.1 * side, 2.3, 9.4), 0.8)
                c *= SIMD3(1, 1, 1) + Self.bump(p, SIMD3(10.5 * side, 3, 0.5), 3) * SIMD3(0.04, -0.06, -0.06)
            }
            c *= SIMD3(1, 1, 1) + Self.bump(p, landmarks[30], 1.6) * SIMD3(0.05, -0.05, -0.05)
            // Blotches and freckles: seeded noise over the neutral surface.
            let blotch = noise.fractal(p * 0.45, octaves: 3)
            c *= SIMD3(1, 1, 1) + parameters.blotches * blotch * SIMD3(0.10, 0.04, 0.03)
            let speckle = noise(p * 2.2 + SIMD3(40, 0, 0))
            let freckleZone = smoothstep(6, 9, p.z) * smoothstep(-2, 1, p.y) * (1 - smoothstep(5, 7, p.y))
            if parameters.freckles > 0 && speckle > 0.45 {
                c *= 1 - parameters.freckles * freckleZone * min(1, (speckle - 0.45) * 6) * SIMD3(0.35, 0.45, 0.55)
            }
            // Upper lid line: reads as lashes.
            for lid in upperLids {
                let d = Shapes.tube(p, points: lid.map { $0 + SIMD3(0, 0.05, 0.05) }, radius: 0, closed: false)
                c *= 1 - 0.75 * (1 - smoothstep(0.05, 0.2, d)) * smoothstep(7.5, 8.5, p.z)
            }
            // Brows (each listed from the nose outwards): strands along the brow, thinning towards the tail.
            for brow in brows {
                let (d, along) = Self.polylineDistanceAndPosition(p, brow)
                let halfWidth = 0.42 - 0.2 * along
                let w = (1 - smoothstep(halfWidth * 0.6, halfWidth, d)) * smoothstep(7.5, 8.5, p.z)
                if w > 0 {
                    c = c * (1 - 0.85 * w) + browColour * (0.85 * w)
                    hair[i] = max(hair[i], w)
                    let direction = brow[brow.count - 1] - brow[0]
                    tangent[i] = direction / direction.length
                }
            }
            albedo[i] = c
            // The beard area, weighted 0...1.
            let beard = Self.beardWeight(p, landmarks: landmarks)
            if beard > 0 && parameters.beard != .none {
                let (mix, height, strand): (Float, Float, Float)
                switch parameters.beard {
                case .stubble: (mix, height, strand) = (0.45, 0, 0.5)
                case .short: (mix, height, strand) = (0.85, 0.35, 1)
                default: (mix, height, strand) = (0.92, 1.2 + 1.2 * smoothstep(-5, -9, p.y), 1)
                }
                // Stubble is the hair's roots under the skin: never lighter than a shade of the skin.
                let colour = parameters.beard == .stubble ? pointwiseMin(hairColour, skin * 0.45) : hairColour
                let m = mix * beard * (0.85 + 0.15 * noise(p * 3))
                albedo[i] = albedo[i] * (1 - m) + colour * m
                hair[i] = max(hair[i], strand * beard)
                beardThickness[i] = height * beard
                specular[i] = 0.06 * (1 - beard) + 0.12 * beard
            }
        }
        func paint(_ region: String, _ colour: SIMD3<Float>, specular s: Float) {
            if let r = kit.regions[region] { for i in r where i < n { albedo[i] = colour; specular[i] = s } }
        }
        paint("mouth_socket", SIMD3(0.12, 0.025, 0.025), specular: 0.05)
        paint("gums_and_tongue", SIMD3(0.38, 0.08, 0.08), specular: 0.2)
        paint("teeth", SIMD3(0.70, 0.66, 0.58), specular: 0.3)
        paint("eye_socket_left", skin * 0.55, specular: 0.1)
        paint("eye_socket_right", skin * 0.55, specular: 0.1)
        let iris = SIMD3(parameters.iris[0], parameters.iris[1], parameters.iris[2])
        for side in ["eyeball_left", "eyeball_right"] {
            guard let r = kit.regions[side] else { continue }
            // The eyeball looks down +z: the front of its depth range is the iris, the very front the
            // pupil (measured in the neutral pose: the eyes' look modes rotate them).
            let depths = r.map { neutral[$0].z }
            let (near, far) = (depths.max() ?? 0, depths.min() ?? 0)
            for (i, z) in zip(r, depths) {
                let front = (z - far) / max(near - far, 1e-6)
                let ring = noise(neutral[i] * 6) * 0.25 + 1
                albedo[i] = front > 0.965 ? SIMD3(0.01, 0.01, 0.01) : front > 0.88 ? iris * ring * (front > 0.95 ? 0.7 : 1)
                    : SIMD3(0.68, 0.64, 0.60)
                specular[i] = 0.6
            }
        }
    }

    /// Where a beard grows on the neutral head: below the cheekbones and the nose, in front of the
    /// ears, down the throat to the neck, not on the lips.
    static func beardWeight(_ p: SIMD3<Float>, landmarks: [SIMD3<Float>]) -> Float {
        let ax = abs(p.x)
        // Top edge: the moustache line under the nose, rising along the cheeks to the sideburns.
        let top = -1.3 + 0.18 * ax * ax / 4 + (ax > 5.5 ? (ax - 5.5) * 1.4 : 0)
        let below = 1 - smoothstep(top - 0.5, top, p.y)
        let front = smoothstep(-1, 1.5, p.z) * (1 - smoothstep(7.2, 8.2, ax))
        let throat = smoothstep(-13, -11, p.y)
        let mouthCentre = (landmarks[48] + landmarks[54]) * 0.5
        let mouth = SIMD2((p.x - mouthCentre.x) / 2.9, (p.y - mouthCentre.y) / 1.35)
        let offLips = smoothstep(1.0, 1.25, (mouth * mouth).sum().squareRoot())
        return below * front * throat * offLips
    }

    static func bump(_ p: SIMD3<Float>, _ centre: SIMD3<Float>, _ radius: Float) -> Float {
        let d = p - centre
        return Foundation.exp(-(d * d).sum() / (radius * radius))
    }

    /// Signed distance inside a 2D polygon (positive inside), by the nearest edge and the even-odd rule.
    static func insideDistance(_ p: SIMD2<Float>, polygon: [SIMD2<Float>]) -> Float {
        var nearest = Float.infinity, inside = false
        for i in 0..<polygon.count {
            let (a, b) = (polygon[i], polygon[(i + 1) % polygon.count])
            let (ab, ap) = (b - a, p - a)
            let h = max(0, min(1, (ab * ap).sum() / max((ab * ab).sum(), 1e-12)))
            let d = ap - ab * h
            nearest = min(nearest, (d * d).sum().squareRoot())
            if (a.y > p.y) != (b.y > p.y) && p.x < a.x + (p.y - a.y) / (b.y - a.y) * (b.x - a.x) { inside.toggle() }
        }
        return inside ? nearest : -nearest
    }

    /// Distance to a polyline and where along it (0 at the first point, 1 at the last) the nearest point is.
    static func polylineDistanceAndPosition(_ p: SIMD3<Float>, _ points: [SIMD3<Float>]) -> (distance: Float, along: Float) {
        var best = Float.infinity, along: Float = 0
        for i in 0..<(points.count - 1) {
            let (a, b) = (points[i], points[i + 1])
            let h = max(0, min(1, ((p - a) * (b - a)).sum() / max(((b - a) * (b - a)).sum(), 1e-12)))
            let d = (p - a - (b - a) * h).length
            if d < best { (best, along) = (d, (Float(i) + h) / Float(points.count - 1)) }
        }
        return (best, along)
    }
}

@inline(__always) func smoothstep(_ e0: Float, _ e1: Float, _ x: Float) -> Float {
    let t = max(0, min(1, (x - e0) / (e1 - e0)))
    return t * t * (3 - 2 * t)
}
