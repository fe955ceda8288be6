import Foundation
import Geometry
import Models
import Tensor

/// A head model's zero level set as a mesh: coarse-to-fine sampling of the SDF over the model's
/// box (CoarseToFineGrid, padded so the mesh is closed where the box cuts the neck), marching cubes,
/// small floating pieces dropped, and the appearance field's colour at the vertices.
public struct HeadMesher {
    /// Grid points along the box's longest side.
    public var resolution: Int
    public var coarseStep = 4
    /// Points per network call (bounds the activations' memory).
    public var batch = 16_384
    /// Pieces of the surface with fewer triangles than this share of the largest piece's are dropped.
    public var floaterShare = 0.05
    public var lower: SIMD3<Float>, upper: SIMD3<Float>

    /// Over the head model's box by default.
    public init(lower: SIMD3<Float> = HeadModel.box.lower, upper: SIMD3<Float> = HeadModel.box.upper, resolution: Int = 256) {
        (self.lower, self.upper, self.resolution) = (lower, upper, resolution)
    }

    public struct Result {
        /// [N, 3] positions, outward normals and colours in [0, 1]; triangles [M, 3].
        public var positions: [Float], normals: [Float], colours: [Float], triangles: [Int32]
        /// Points the SDF was evaluated at.
        public var evaluated: Int
    }

    /// codes: geometry and appearance [1, identityCodeLength], expression [1, E].
    public func mesh(_ head: NPHMHead, geometry: Tensor, appearance: Tensor, expression: Tensor,
                     progress: (Int, Int) -> Void = { _, _ in }) -> Result {
        var sampler = CoarseToFineGrid(lower: lower, upper: upper, resolution: resolution)
        (sampler.coarseStep, sampler.batch) = (coarseStep, batch)
        let (grid, evaluated) = noGrad {
            sampler.sample({ points in
                head(points: Tensor(points.flat, shape: [1, points.count, 3]), geometry: geometry, expression: expression).sdf.value.toArray()
            }, progress: progress)
        }
        let surface = keepingTheHead(MarchingCubes.surface(of: grid))
        var colours: [Float] = []
        colours.reserveCapacity(surface.positions.count)
        noGrad {
            for start in stride(from: 0, to: surface.positions.count / 3, by: batch) {
                let n = min(batch, surface.positions.count / 3 - start)
                let points = Tensor(Array(surface.positions[(3 * start)..<(3 * (start + n))]), shape: [1, n, 3])
                let rgb = head(points: points, geometry: geometry, appearance: appearance, expression: expression).colour!.toArray()
                colours += rgb.map { min(1, max(0, ($0 + 1) / 2)) }
            }
        }
        return Result(positions: surface.positions, normals: surface.normals, colours: colours, triangles: surface.triangles, evaluated: evaluated)
    }

    /// The surface without floaters: pieces with under `floaterShare` of the largest piece's triangles
    /// (a learned SDF leaves small closed blobs in empty space; the trained model's turntables showed
    /// one of about 1 % behind the head).
    func keepingTheHead(_ surface: (positions: [Float], normals: [Float], triangles: [Int32])) -> (positions: [Float], normals: [Float], triangles: [Int32]) {
        let kept = Mesh.removingFloaters(triangles: surface.triangles, vertexCount: surface.positions.count / 3, share: floaterShare)
        guard kept.triangles.count < surface.triangles.count else { return surface }
        func gather(_ values: [Float]) -> [Float] { kept.vertices.flatMap { values[(3 * $0)..<(3 * $0 + 3)] } }
        return (gather(surface.positions), gather(surface.normals), kept.triangles)
    }
}
