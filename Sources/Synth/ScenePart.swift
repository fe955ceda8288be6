import Foundation
import Geometry

/// How a surface point looks: linear RGB albedo, specular strength, how much it is hair (strand
/// texture and an anisotropic highlight along `tangent`).
struct Material {
    var albedo: SIMD3<Float>
    var specular: Float
    var hair: Float = 0
    var tangent = SIMD3<Float>(0, -1, 0)
}

/// One piece of a subject (head, hair, bust, an accessory) in centimetres in the head's frame: a
/// mesh with a material per vertex, and its solid for the signed distance: `distance` to its outer
/// surface, negative inside.
struct ScenePart {
    var name: String
    var positions: [SIMD3<Float>], normals: [SIMD3<Float>], triangles: [Int32]
    var materials: [Material]
    /// The part's own signed distance (cm), or nil when it does not bound a solid.
    var signedDistance: ((SIMD3<Float>) -> Float)?

    var isEmpty: Bool { triangles.isEmpty }
}

/// A part given as an implicit solid (field < 0 inside, about a distance in cm) over a box: sampled on
/// a grid, polygonised by marching tetrahedra, normals from the field's gradient, a material per
/// vertex; its signed distance takes the sign from the sampled field and the size from the distance
/// to the polygonised surface.
struct ImplicitPart {
    var name: String
    var lower: SIMD3<Float>, upper: SIMD3<Float>
    var spacing: Float
    var field: (SIMD3<Float>) -> Float
    var material: (_ position: SIMD3<Float>, _ normal: SIMD3<Float>) -> Material
    /// Reshapes the sampled field before polygonising (hair falling from the cap is a scan down the grid).
    var reshape: ((inout ScalarGrid) -> Void)? = nil

    func build() -> ScenePart {
        // One cell of margin so the surface closes inside the grid.
        var grid = ScalarGrid(lower: lower - spacing, upper: upper + spacing, spacing: spacing, field: field)
        reshape?(&grid)
        let surface = MarchingTetrahedra.surface(of: grid)
        let (positions, normals) = ([SIMD3<Float>](flat: surface.positions), [SIMD3<Float>](flat: surface.normals))
        let materials = zip(positions, normals).map { material($0, $1) }
        var part = ScenePart(name: name, positions: positions, normals: normals, triangles: surface.triangles, materials: materials)
        if !surface.triangles.isEmpty {
            // The distance structure is built on first use: rendering never needs it.
            let distance = LazyMeshDistance(positions: surface.positions, triangles: surface.triangles)
            // Inside and outside as the polygonised grid says (points off the grid are outside).
            let sampled = grid
            let (gridLower, gridUpper) = (grid.origin, grid.point(grid.nx - 1, grid.ny - 1, grid.nz - 1))
            part.signedDistance = { p in
                let d = distance.value.distance(to: p)
                let onGrid = all(p .>= gridLower) && all(p .<= gridUpper)
                return onGrid && sampled.interpolate(p) < 0 ? -d : d
            }
        }
        return part
    }
}

/// A `MeshDistance` built the first time it is asked for (from any thread).
final class LazyMeshDistance: @unchecked Sendable {
    private let positions: [Float], triangles: [Int32]
    private var built: MeshDistance?
    private let lock = NSLock()

    init(positions: [Float], triangles: [Int32]) { (self.positions, self.triangles) = (positions, triangles) }

    var value: MeshDistance {
        lock.lock()
        defer { lock.unlock() }
        if let built { return built }
        let distance = MeshDistance(positions: positions, triangles: triangles)
        built = distance
        return distance
    }
}

extension SIMD3 where Scalar == Float {
    /// The component of `self` in the plane normal to `normal`, unit length (or `fallback`).
    func tangential(to normal: SIMD3<Float>, fallback: SIMD3<Float> = SIMD3(0, -1, 0)) -> SIMD3<Float> {
        let t = self - normal * (self * normal).sum(), length = t.length
        return length > 1e-6 ? t / length : fallback
    }
}
