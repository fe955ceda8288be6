import Foundation
import Geometry

/// One synthetic subject in one appearance, ready to render and to sample: the FaceKit head (painted,
/// with a beard standing off the skin where there is one), hair, bust and accessory as parts, and the
/// signed distance of their union's outer surface.
public struct SubjectScene: @unchecked Sendable {
    /// Centimetres to orbit units, and the head-frame point that sits at the orbit's centre: the head
    /// with its hair and the top of the shoulders fill the orbit rig's view (half-width 1.14 units at
    /// the centre, 20.5 cm) with a margin.
    public static let unitsPerCentimetre: Float = 1 / 18
    public static let centre = SIMD3<Float>(0, 0, 1.5)
    /// Attribute channels of `mesh()`: albedo (3), normal (3), position (3), specular, hair, strand tangent (3).
    public static let channels = 14

    public let parameters: HeadParameters
    let parts: [ScenePart]
    /// The 68 landmarks, in orbit units.
    public let landmarks: [SIMD3<Float>]

    public var partNames: [String] { parts.map(\.name) }

    /// A FaceKit point (centimetres, head frame) in orbit units.
    public static func toWorld(_ p: SIMD3<Float>) -> SIMD3<Float> { (p - centre) * unitsPerCentimetre }
    static func toHead(_ p: SIMD3<Float>) -> SIMD3<Float> { p / unitsPerCentimetre + centre }

    /// Every part in one mesh, in orbit units, with the 14 attribute channels.
    public func mesh() -> Mesh {
        var positions: [Float] = [], triangles: [Int32] = [], attributes: [Float] = []
        for part in parts where !part.isEmpty {
            let base = Int32(positions.count / 3)
            for (i, p) in part.positions.enumerated() {
                let w = Self.toWorld(p), n = part.normals[i], m = part.materials[i]
                positions += [w.x, w.y, w.z]
                attributes += [m.albedo.x, m.albedo.y, m.albedo.z, n.x, n.y, n.z, w.x, w.y, w.z, m.specular, m.hair,
                               m.tangent.x, m.tangent.y, m.tangent.z]
            }
            triangles += part.triangles.map { $0 + base }
        }
        return Mesh(positions: positions, triangles: triangles, attributes: attributes, channels: Self.channels)
    }

    /// Signed distance (orbit units, negative inside) to the outer surface of head, hair, bust and
    /// accessories together: the minimum of the parts' own signed distances (exact outside the union).
    public func signedDistance(_ p: SIMD3<Float>) -> Float {
        let q = Self.toHead(p)
        var best = Float.infinity
        for part in parts { if let sdf = part.signedDistance { best = min(best, sdf(q)) } }
        return best * Self.unitsPerCentimetre
    }

    /// Whether a point (orbit units) lies inside, or within `margin` (orbit units) of, a part other
    /// than the head (hair, bust, accessory): skin there is covered, not seen.
    public func isCovered(_ p: SIMD3<Float>, margin: Float) -> Bool {
        let q = Self.toHead(p), m = margin / Self.unitsPerCentimetre
        return parts.contains { part in part.name != "head" && (part.signedDistance.map { $0(q) < m } ?? false) }
    }

    /// The outer surfaces the signed distance is measured to (orbit units): for sampling near them.
    public func outerSurface() -> (positions: [Float], triangles: [Int32]) {
        var positions: [Float] = [], triangles: [Int32] = []
        for part in parts where part.signedDistance != nil {
            let (p, t) = part.name == "head" ? (cappedSkin.positions, cappedSkin.triangles) : (part.positions, part.triangles)
            let base = Int32(positions.count / 3)
            for v in p { let w = Self.toWorld(v); positions += [w.x, w.y, w.z] }
            triangles += t.map { $0 + base }
        }
        return (positions, triangles)
    }

    /// The skin surface with its openings capped (cm).
    let cappedSkin: (positions: [SIMD3<Float>], triangles: [Int32])
}

/// Builds subjects from the FaceKit model.
public struct SubjectBuilder: Sendable {
    public let kit: FaceKit
    /// Grid spacing of the hair (cm); finer is smoother and slower.
    public var hairSpacing: Float = 0.35

    public init(kit: FaceKit) { self.kit = kit }

    public func build(_ parameters: HeadParameters) -> SubjectScene {
        let weights = kit.expressionNames.map { parameters.expression[$0] ?? 0 }
        var vertices = [SIMD3<Float>](flat: kit.vertices(identity: parameters.identity, expression: weights))
        let look = HeadAppearance(kit, expressed: vertices, parameters: parameters)
        let noise = ValueNoise(seed: parameters.detailSeed)
        let colour = { (c: [Float]) in SIMD3(c[0], c[1], c[2]) }

        // The beard stands off the skin along the normal.
        if look.beardThickness.contains(where: { $0 > 0 }) {
            let normals = Self.normals(vertices, look.triangles)
            for i in vertices.indices where look.beardThickness[i] > 0 { vertices[i] += normals[i] * look.beardThickness[i] }
        }
        let normals = Self.normals(vertices, look.triangles)
        // The skin's vertices (face, head and neck) come first.
        let skinEnd = Int32(kit.regions["head_and_neck"]?.upperBound ?? kit.vertexCount - 1)
        let materials = vertices.indices.map { i -> Material in
            let skin = Material(albedo: look.albedo[i], specular: look.specular[i], hair: look.hair[i], tangent: look.tangent[i])
            let neutral = SIMD3(kit.neutral[3 * i], kit.neutral[3 * i + 1], kit.neutral[3 * i + 2])
            let garment = i <= skinEnd ? BustBuilder.neckline(neutral) : 0
            guard garment > 0 else { return skin }
            let cloth = BustBuilder.garment(vertices[i], colour: colour(parameters.clothing), noise: noise)
            return Material(albedo: skin.albedo * (1 - garment) + cloth.albedo * garment,
                            specular: skin.specular * (1 - garment) + cloth.specular * garment, hair: skin.hair * (1 - garment))
        }

        // The outer skin capped where it is open: the head's solid.
        let capped = Mesh.cappingHoles(positions: vertices.flat, triangles: Mesh.triangles(kit.triangles) { $0 <= skinEnd })
        let headDistance = MeshDistance(positions: capped.positions, triangles: capped.triangles)
        let head: (SIMD3<Float>) -> Float = { headDistance.signedDistance(to: $0) }
        var parts = [ScenePart(name: "head", positions: vertices, normals: normals, triangles: look.triangles, materials: materials,
                               signedDistance: head)]

        // The hair's solid follows the head's distance, sampled on a grid twice as coarse as the hair's
        // (it is smooth) and only where hair can grow.
        var hair = HairBuilder(style: parameters.hair, colour: colour(parameters.hairColour), noise: noise, head: head)
        if parameters.hair != .bald {
            let scalp = hair
            hair.head = ScalarGrid(lower: scalp.bounds.lower - 1, upper: scalp.bounds.upper + 1, spacing: 2 * hairSpacing) {
                scalp.scalpMask($0) > 4 ? 5 : head($0)
            }.interpolate
        }
        var headWithHair = head
        if var hairPart = hair.part(spacing: hairSpacing) {
            if parameters.accessory == .hat {
                // Under a hat only the hair below its edge shows.
                let field = hairPart.field
                hairPart.field = { max(field($0), $0.y - AccessoryBuilder.hatBrim($0) - 0.5) }
            }
            parts.append(hairPart.build())
            headWithHair = { min(head($0), hair.field($0)) }
        }

        // The bust continues the neck's base, centred under it.
        let base = vertices[0...Int(skinEnd)].filter { abs($0.y + 12) < 0.6 }
        let neckCentreZ = ((base.map(\.z).min() ?? -8) + (base.map(\.z).max() ?? 4.5)) / 2
        parts.append(BustBuilder(neckCentreZ: neckCentreZ, colour: colour(parameters.clothing), noise: noise).part().build())

        let landmarks = kit.landmarks68.map { vertices[$0] }
        let accessories = AccessoryBuilder(kind: parameters.accessory, colour: colour(parameters.accessoryColour), landmarks: landmarks,
                                           head: head, headWithHair: headWithHair, hairThickness: hair.maximumThickness,
                                           earLobes: earLobes(vertices, skinEnd: Int(skinEnd)), noise: noise)
        parts += accessories.parts().map { $0.build() }

        return SubjectScene(parameters: parameters, parts: parts, landmarks: landmarks.map(SubjectScene.toWorld),
                            cappedSkin: ([SIMD3<Float>](flat: capped.positions), capped.triangles))
    }

    /// The lowest point of each ear (the skin beyond the skull's width), left then right.
    func earLobes(_ vertices: [SIMD3<Float>], skinEnd: Int) -> [SIMD3<Float>] {
        [Float(1), -1].compactMap { side -> SIMD3<Float>? in
            (0...skinEnd).filter { kit.neutral[3 * $0] * side > 8.6 && kit.neutral[3 * $0 + 1] > -3 && kit.neutral[3 * $0 + 2] > -4 }
                .min { kit.neutral[3 * $0 + 1] < kit.neutral[3 * $1 + 1] }.map { vertices[$0] }
        }
    }

    static func normals(_ vertices: [SIMD3<Float>], _ triangles: [Int32]) -> [SIMD3<Float>] {
        [SIMD3<Float>](flat: Mesh.vertexNormals(positions: vertices.flat, triangles: triangles))
    }
}
