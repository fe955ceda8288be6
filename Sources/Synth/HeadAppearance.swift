import Foundation
import Geometry

/// Albedo per vertex by the model's regions (skin, sclera with iris and pupil, teeth, mouth interior)
/// and the triangles that are drawn: the model's transparent layers (lacrimal fluid, eye blend and
/// occlusion shells) and the eyelash cards are left out, they would paint over the eyes.
public struct HeadAppearance: Sendable {
    static let hiddenRegions = ["lacrimal_fluid_left", "lacrimal_fluid_right", "eye_blend_left", "eye_blend_right",
                                "eye_occlusion_left", "eye_occlusion_right",
                                // Eyelash cards drawn opaque read as a thick black ring: left out until they get alpha.
                                "eyelashes_left", "eyelashes_right"]

    /// [N, 3] linear RGB.
    public let albedo: [Float]
    /// [M', 3] the triangles to draw.
    public let triangles: [Int32]

    public init(_ kit: FaceKit, vertices: [Float], parameters: HeadParameters) {
        let n = kit.vertexCount
        let skin = SIMD3(parameters.skin[0], parameters.skin[1], parameters.skin[2])
        let iris = SIMD3(parameters.iris[0], parameters.iris[1], parameters.iris[2])
        var colour = [SIMD3<Float>](repeating: skin, count: n)
        func paint(_ region: String, _ c: SIMD3<Float>) {
            if let r = kit.regions[region] { for i in r where i < n { colour[i] = c } }
        }
        paint("mouth_socket", SIMD3(0.25, 0.07, 0.07))
        paint("gums_and_tongue", SIMD3(0.45, 0.12, 0.12))
        paint("teeth", SIMD3(0.82, 0.78, 0.70))
        paint("eye_socket_left", skin * 0.7)
        paint("eye_socket_right", skin * 0.7)
        for side in ["eyeball_left", "eyeball_right"] {
            guard let r = kit.regions[side] else { continue }
            // The eyeball looks down +z: the front of its depth range is the iris, the very front the
            // pupil (the mesh is not a sphere about its vertex mean, so depth is measured in its z-range).
            let depths = r.map { vertices[3 * $0 + 2] }
            let (near, far) = (depths.max() ?? 0, depths.min() ?? 0)
            for (i, z) in zip(r, depths) {
                let front = (z - far) / max(near - far, 1e-6)
                colour[i] = front > 0.965 ? SIMD3(0.02, 0.02, 0.02) : front > 0.88 ? iris : SIMD3(0.80, 0.78, 0.74)
            }
        }
        albedo = colour.flatMap { [$0.x, $0.y, $0.z] }
        let hidden = Self.hiddenRegions.compactMap { kit.regions[$0] }
        triangles = stride(from: 0, to: kit.triangles.count, by: 3).flatMap { t -> [Int32] in
            let tri = Array(kit.triangles[t..<(t + 3)])
            return tri.contains { v in hidden.contains { $0.contains(Int(v)) } } ? [] : tri
        }
    }
}

extension FaceKit {
    /// Centimetres to orbit units: the head (about 25 cm wide, 34 cm with the neck) fits the orbit
    /// rig's view (half-width 1.14 at the centre) with a margin.
    public static let unitsPerCentimetre: Float = 1 / 15

    /// The head of `parameters` as a mesh in orbit units, with the deferred-shading attributes
    /// [albedo, normal, position] (9 channels).
    public func head(_ parameters: HeadParameters) -> Mesh {
        let weights = expressionNames.map { parameters.expression[$0] ?? 0 }
        let centimetres = vertices(identity: parameters.identity, expression: weights)
        let positions = centimetres.map { $0 * Self.unitsPerCentimetre }
        let look = HeadAppearance(self, vertices: centimetres, parameters: parameters)
        let normals = Mesh.vertexNormals(positions: positions, triangles: look.triangles)
        var attributes = [Float](repeating: 0, count: 9 * vertexCount)
        for i in 0..<vertexCount {
            for k in 0..<3 {
                attributes[9 * i + k] = look.albedo[3 * i + k]
                attributes[9 * i + 3 + k] = normals[3 * i + k]
                attributes[9 * i + 6 + k] = positions[3 * i + k]
            }
        }
        return Mesh(positions: positions, triangles: look.triangles, attributes: attributes, channels: 9)
    }
}
