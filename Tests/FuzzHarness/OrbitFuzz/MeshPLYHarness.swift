import Foundation
import Geometry
import Splat

/// A mesh PLY through `SplatViewer.ColouredMesh.read` (`MeshPLY.decode`: `splat view --mesh`,
/// reconstruct's viewer stage; `orbit train nphm` and `orbit evaluate mesh` decode the same layout),
/// then the viewer page's mesh bytes. Every triangle must name vertices that exist and every vertex
/// must be finite (the viewer and the mesh metrics cannot use NaN).
struct MeshPLYHarness: FuzzHarness {
    let scratch: ScratchFolder
    init(scratch: ScratchFolder) { self.scratch = scratch }

    func run(_ input: Data) throws {
        let path = try scratch.write(input, to: "mesh.ply")
        let mesh = try SplatViewer.ColouredMesh.read(path)
        let vertices = mesh.positions.count / 3
        guard mesh.positions.count == 3 * vertices, mesh.colours.count == mesh.positions.count, mesh.triangles.count % 3 == 0,
              mesh.triangles.allSatisfy({ $0 >= 0 && Int($0) < vertices }) else {
            finding("\(path) read as \(mesh.positions.count) coordinates, \(mesh.colours.count) colour values, \(mesh.triangles.count) indices")
        }
        if let bad = mesh.positions.firstIndex(where: { !$0.isFinite }) {
            finding("\(path) was read with a non-finite vertex coordinate \(mesh.positions[bad]) (vertex \(bad / 3))")
        }
        let bytes = SplatViewer.meshBytes(mesh)
        guard bytes.count == 8 + 15 * vertices + 4 * mesh.triangles.count else { finding("the viewer's mesh bytes have the wrong size") }
    }

    func seeds() throws -> [String: Data] {
        // A tetrahedron, and a single triangle.
        let positions: [Float] = [0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1]
        let tetrahedron = MeshPLY.encode(positions: positions, normals: positions.map { $0 * 0.5 }, colours: positions.map { 1 - $0 },
                                         triangles: [0, 2, 1, 0, 1, 3, 0, 3, 2, 1, 2, 3])
        var seeds = ["tetrahedron.ply": tetrahedron]
        seeds["triangle.ply"] = MeshPLY.encode(positions: Array(positions.prefix(9)), normals: [Float](repeating: 0, count: 9),
                                               colours: [Float](repeating: 0.5, count: 9), triangles: [0, 1, 2])
        seeds["bad-vertex-overflow.ply"] = SeedCorpus.replacing("element vertex 4", with: "element vertex 400000000000000000", in: tetrahedron)
        seeds["bad-face-negative.ply"] = SeedCorpus.replacing("element face 4", with: "element face -13", in: tetrahedron)
        seeds["bad-index.ply"] = MeshPLY.encode(positions: Array(positions.prefix(9)), normals: [Float](repeating: 0, count: 9),
                                                colours: [Float](repeating: 0.5, count: 9), triangles: [0, 1, 7])
        seeds["bad-nan-vertex.ply"] = MeshPLY.encode(positions: [Float.nan] + Array(positions[1..<9]), normals: [Float](repeating: 0, count: 9),
                                                     colours: [Float](repeating: 0.5, count: 9), triangles: [0, 1, 2])
        return seeds
    }
}
