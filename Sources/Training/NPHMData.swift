import Foundation
import Geometry
import Models
import Pipeline
import Tensor

/// One (subject, appearance) of `orbit synth` data as the head model trains on it, in orbit units,
/// cropped to `NPHMData.box`.
public struct NPHMSample: Sendable {
    public let subject: Int, appearance: Int
    /// Points near the surface [n, 3], their signed distances [n], and the colour of the nearest mesh
    /// vertex [n, 3] in [-1, 1] with a mask [n] (1 where a vertex lies within `colourReach`).
    public let near: [Float], nearDistance: [Float], nearColour: [Float], colourMask: [Float]
    /// Uniform points in the box [m, 3] and their signed distances [m].
    public let volume: [Float], volumeDistance: [Float]
    /// The FaceKit skin vertices [V, 3] (the first V vertices of mesh.ply, in FaceKit order): the same
    /// point of the face in every sample, hence anchor targets and expression correspondences.
    public let skin: [Float]

    public init(subject: Int, appearance: Int, near: [Float], nearDistance: [Float], nearColour: [Float], colourMask: [Float],
                volume: [Float], volumeDistance: [Float], skin: [Float]) {
        (self.subject, self.appearance, self.near, self.nearDistance, self.nearColour, self.colourMask) =
            (subject, appearance, near, nearDistance, nearColour, colourMask)
        (self.volume, self.volumeDistance, self.skin) = (volume, volumeDistance, skin)
    }
}

public enum NPHMData {
    /// FaceKit's skin ("face" and "head_and_neck" regions) is its first 11,248 vertices, and `orbit
    /// synth` writes the head's vertices first in mesh.ply.
    public static let skinVertices = 11_248
    public static var box: (lower: SIMD3<Float>, upper: SIMD3<Float>) { HeadModel.box }
    /// Farthest a mesh vertex may lie from a near-surface point to lend it its colour (0.9 cm).
    public static let colourReach: Float = 0.05

    static func inBox(_ p: SIMD3<Float>) -> Bool { all(p .>= box.lower) && all(p .<= box.upper) }

    /// Reads one sample's sdf.safetensors and mesh.ply.
    public static func load(_ set: ImageSetReference) throws -> NPHMSample { try load(set, mesh: try mesh(of: set)) }

    /// A sample's mesh.ply.
    public static func mesh(of set: ImageSetReference) throws -> MeshPLY.Decoded {
        let meshPath = set.path + "/mesh.ply"
        guard let meshData = FileManager.default.contents(atPath: meshPath) else { throw TrainingError("\(meshPath): cannot read the file") }
        return try MeshPLY.decode(meshData, file: meshPath)
    }

    /// A sample from its sdf.safetensors and its mesh.ply, already read.
    public static func load(_ set: ImageSetReference, mesh: MeshPLY.Decoded) throws -> NPHMSample {
        let sdf = try SafeTensorsFile(path: set.path + "/sdf.safetensors")
        let meshPath = set.path + "/mesh.ply"
        guard mesh.positions.count >= 3 * skinVertices else {
            throw TrainingError("\(meshPath): \(mesh.positions.count / 3) vertices, fewer than FaceKit's \(skinVertices) skin vertices")
        }
        let surface = try sdf.tensor("surface_points").toArray(), surfaceDistance = try sdf.tensor("surface_sdf").toArray()
        let volumePoints = try sdf.tensor("volume_points").toArray(), volumeDistances = try sdf.tensor("volume_sdf").toArray()
        let lookup = NearestVertex(positions: mesh.positions, cell: colourReach)
        var near: [Float] = [], nearDistance: [Float] = [], colour: [Float] = [], mask: [Float] = []
        for i in 0..<surfaceDistance.count {
            let p = SIMD3(surface[3 * i], surface[3 * i + 1], surface[3 * i + 2])
            guard inBox(p) else { continue }
            near += [p.x, p.y, p.z]
            nearDistance.append(surfaceDistance[i])
            if let v = lookup.nearest(to: p, within: colourReach) {
                colour += (0..<3).map { mesh.colours[3 * v + $0] * 2 - 1 }
                mask.append(1)
            } else {
                colour += [0, 0, 0]
                mask.append(0)
            }
        }
        var volume: [Float] = [], volumeDistance: [Float] = []
        for i in 0..<volumeDistances.count {
            let p = SIMD3(volumePoints[3 * i], volumePoints[3 * i + 1], volumePoints[3 * i + 2])
            guard inBox(p) else { continue }
            volume += [p.x, p.y, p.z]
            volumeDistance.append(volumeDistances[i])
        }
        return NPHMSample(subject: set.subject, appearance: set.appearance, near: near, nearDistance: nearDistance, nearColour: colour,
                          colourMask: mask, volume: volume, volumeDistance: volumeDistance, skin: Array(mesh.positions[0..<(3 * skinVertices)]))
    }

    /// Every sample of a split, read in parallel; progress(done, total).
    public static func load(data: String, split: String, progress: (Int, Int) -> Void) throws -> [NPHMSample] {
        let sets = try SynthImageSets(root: data).imageSets(split: split)
        guard !sets.isEmpty else { throw TrainingError("\(data): no samples in the \(split) split") }
        var samples = [NPHMSample?](repeating: nil, count: sets.count), failure: Error?
        let lock = NSLock()
        var done = 0
        parallelFor(sets.count) { lo, hi in
            for i in lo..<hi {
                do {
                    let sample = try load(sets[i])
                    lock.lock(); samples[i] = sample; done += 1; lock.unlock()
                } catch {
                    lock.lock(); failure = failure ?? error; lock.unlock()
                }
            }
        }
        if let failure { throw failure }
        progress(done, sets.count)
        return samples.map { $0! }
    }
}

/// Nearest mesh vertex by a uniform grid of cells as wide as the search radius.
struct NearestVertex {
    let positions: [Float], cell: Float
    var buckets: [SIMD3<Int32>: [Int32]] = [:]

    init(positions: [Float], cell: Float) {
        (self.positions, self.cell) = (positions, cell)
        for v in 0..<(positions.count / 3) { buckets[key(SIMD3(positions[3 * v], positions[3 * v + 1], positions[3 * v + 2])), default: []].append(Int32(v)) }
    }

    func key(_ p: SIMD3<Float>) -> SIMD3<Int32> {
        let q = (p / cell).rounded(.down)
        return SIMD3(Int32(q.x), Int32(q.y), Int32(q.z))
    }

    func nearest(to p: SIMD3<Float>, within radius: Float) -> Int? {
        let centre = key(p)
        var best: Int?, bestDistance = radius * radius
        for dz in Int32(-1)...1 { for dy in Int32(-1)...1 { for dx in Int32(-1)...1 {
            for v in buckets[centre &+ SIMD3(dx, dy, dz)] ?? [] {
                let i = Int(v), d = SIMD3(positions[3 * i], positions[3 * i + 1], positions[3 * i + 2]) - p
                let squared = (d * d).sum()
                if squared <= bestDistance { (best, bestDistance) = (i, squared) }
            }
        } } }
        return best
    }
}

/// Points drawn from samples for one head-model evaluation, [samples, near + volume] in order: each
/// sample's near-surface points, then its volume points. Holds what the SDF and colour terms compare
/// with; both the training step and code fitting draw through it.
struct NPHMPointBatch {
    let near: Int, volume: Int
    private(set) var samples = 0
    /// [samples, near + volume, 3], [samples, near + volume]; colours [samples, near, 3] and mask
    /// [samples, near] of the near points.
    private(set) var points: [Float] = [], distances: [Float] = [], colours: [Float] = [], mask: [Float] = []

    init(near: Int, volume: Int) { (self.near, self.volume) = (near, volume) }

    /// Draws `near` then `volume` points of `sample`, each index from `pick(count)`.
    mutating func append(_ sample: NPHMSample, pick: (Int) -> Int) {
        for _ in 0..<near {
            let k = pick(sample.nearDistance.count)
            points += sample.near[(3 * k)..<(3 * k + 3)]
            distances.append(sample.nearDistance[k])
            colours += sample.nearColour[(3 * k)..<(3 * k + 3)]
            mask.append(sample.colourMask[k])
        }
        for _ in 0..<volume {
            let k = pick(sample.volumeDistance.count)
            points += sample.volume[(3 * k)..<(3 * k + 3)]
            distances.append(sample.volumeDistance[k])
        }
        samples += 1
    }

    var pointTensor: Tensor { Tensor(points, shape: [samples, near + volume, 3]) }

    /// Mean L1 of the SDF at the near and at the volume points, and the mean L1 of the colour where the
    /// mask allows, for the head's output on `pointTensor`.
    func terms(_ out: NPHMHead.Output) -> (surface: Tensor, volume: Tensor, colour: Tensor) {
        let f = out.sdf.value, target = Tensor(distances, shape: [samples, near + volume])
        let (nearRange, volumeRange) = (0..<near, near..<(near + volume))
        let surface = (f.slice(axis: 1, nearRange) - target.slice(axis: 1, nearRange)).abs().mean()
        let volumeTerm = (f.slice(axis: 1, volumeRange) - target.slice(axis: 1, volumeRange)).abs().mean()
        let colour = ((out.colour!.slice(axis: 1, nearRange) - Tensor(colours, shape: [samples, near, 3])).abs()
            * Tensor(mask, shape: [samples, near, 1])).sum() / max(1, 3 * mask.reduce(0, +))
        return (surface, volumeTerm, colour)
    }
}
