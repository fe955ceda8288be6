import Foundation
import Geometry
import Imaging
import Models
import NN
import Pipeline
import Tensor

/// The generator's training cache: what a step reads, computed once. One shard per image set,
/// `<cache>/subject_SSSS_appearance_AA.safetensors`:
///
///     latents   [96, C, h, w]   VAE encoder means of the 96 views (unscaled, as SVD's conditioning latent)
///     identity  [96, 128]       SFace embedding of each view's aligned face (zeros where none was used)
///     has_face  [96]            1 where a face was detected in a view of the front half (`identityViews`)
///     landmarks [96, 5, 2]      that face's five YuNet landmarks in pixels (x, y), zeros where none
///
/// and `cache.json` naming the VAE (its weight file's FNV-1a hash), the identity encoder and the
/// dataset. Building skips shards already written (each is written atomically), so an interrupted
/// build resumes; `reembedIdentities` switches an existing cache to another identity encoder.
public struct LatentCache {
    public let directory: String
    public let vaeHash: String
    /// What embedded the faces (a cache from before the key existed used the pretrained SFace).
    public let identityEncoder: IdentityEncoder

    /// Views whose faces are embedded (and that serve as conditioning views): azimuths within 67.5
    /// degrees of the front, every elevation.
    public static let identityViews: [Int] = OrbitView.standard.indices.filter { OrbitView.standard[$0].azimuthFromFront <= 67.5 }

    public struct Shard {
        public let latents: Tensor, identity: Tensor
        public let hasFace: [Bool]
        /// Per view, the five landmarks (for aligning a decoded prediction the way its ground truth was aligned).
        public let landmarks: [[(Float, Float)]]
    }

    public init(directory: String) throws {
        let file = directory + "/cache.json"
        guard let data = FileManager.default.contents(atPath: file),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any], let hash = object["vae_hash"] as? String
        else { throw TrainingError("\(file): missing or not a training cache (build it with `orbit train cache`)") }
        (self.directory, vaeHash) = (directory, hash)
        identityEncoder = try IdentityEncoder.named(object["identity_encoder"] as? String, in: file)
    }

    public func shardPath(_ set: ImageSetReference) -> String { directory + "/" + set.name + ".safetensors" }

    public func load(_ set: ImageSetReference) throws -> Shard {
        let path = shardPath(set)
        do {
            let file = try SafeTensorsFile(path: path)
            let points = try file.tensor("landmarks").toArray()
            return Shard(latents: try file.tensor("latents"), identity: try file.tensor("identity"),
                         hasFace: try file.tensor("has_face").toArray().map { $0 > 0.5 },
                         landmarks: (0..<96).map { v in (0..<5).map { k in (points[v * 10 + 2 * k], points[v * 10 + 2 * k + 1]) } })
        } catch { throw TrainingError("\(path): cannot read the cache shard: \(error)") }
    }

    /// The hash that ties a cache to the VAE that made it.
    public static func hash(ofFile path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else { throw TrainingError("\(path): cannot read") }
        var h = FNV1a()
        h.add(bytes: data)
        return String(format: "%016llx", h.value)
    }

    /// Writes the shards of `sets` that are missing. `progress(done, total)`.
    public static func build(sets: [ImageSetReference], dataset: String, vaeDirectory: String, identityEncoder: IdentityEncoder,
                             into directory: String, progress: (Int, Int) -> Void) throws -> LatentCache {
        let weights = vaeDirectory + "/diffusion_pytorch_model.safetensors"
        let vae = try AutoencoderKLTemporalDecoder.load(directory: vaeDirectory).frozen()
        let vaeHash = try hash(ofFile: weights)
        let fm = FileManager.default
        try fm.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let manifest = directory + "/cache.json"
        if fm.fileExists(atPath: manifest) {
            let old = try LatentCache(directory: directory)
            if old.vaeHash != vaeHash { throw TrainingError("\(manifest): this cache was made with another VAE (\(old.vaeHash)); use another folder") }
            if old.identityEncoder != identityEncoder {
                throw TrainingError("\(manifest): this cache's faces were embedded with \(old.identityEncoder.rawValue), not "
                                    + "\(identityEncoder.rawValue) (switch it with --reembed-identity)")
            }
        }
        try writeManifest(directory: directory, vaeHash: vaeHash, vae: vaeDirectory, dataset: dataset, scalingFactor: vae.scalingFactor,
                          identityEncoder: identityEncoder)
        let faces = try FaceAnalysis.pretrained()
        let sface = try identityEncoder.load()
        let cache = try LatentCache(directory: directory)
        for (i, set) in sets.enumerated() {
            let path = cache.shardPath(set)
            if !fm.fileExists(atPath: path) {
                var latents: [Tensor] = []
                var identity = [Float](repeating: 0, count: 96 * SFace.embeddingSize), hasFace = [Float](repeating: 0, count: 96)
                var landmarks = [Float](repeating: 0, count: 96 * 10)
                for chunk in stride(from: 0, to: 96, by: 16) {
                    let views = try (chunk..<(chunk + 16)).map { try set.view($0).unsqueezed(0) }
                    latents.append(noGrad { vae.encoder(Tensor.concat(views, axis: 0)).mean })
                }
                for v in identityViews {
                    let image = try ImageIO.read(set.viewPath(v))
                    guard let found = faces.analyse(image) else { continue }
                    let e = FaceAnalysis.embedding(found.aligned, model: sface).toArray()
                    identity.replaceSubrange((v * SFace.embeddingSize)..<((v + 1) * SFace.embeddingSize), with: e)
                    hasFace[v] = 1
                    for (k, point) in found.chosen.landmarks.enumerated() { (landmarks[v * 10 + 2 * k], landmarks[v * 10 + 2 * k + 1]) = point }
                }
                try writeShard(to: path, latents: Tensor.concat(latents, axis: 0), identity: identity, hasFace: hasFace, landmarks: landmarks)
            }
            progress(i + 1, sets.count)
        }
        return cache
    }

    /// Writes one shard atomically: latents [96, C, h, w], identity 96 x 128, has_face 96 (0/1),
    /// landmarks 96 x 5 x (x, y).
    static func writeShard(to path: String, latents: Tensor, identity: [Float], hasFace: [Float], landmarks: [Float]) throws {
        try SafeTensors.write([("latents", latents), ("identity", Tensor(identity, shape: [96, SFace.embeddingSize])),
                               ("has_face", Tensor(hasFace, shape: [96])), ("landmarks", Tensor(landmarks, shape: [96, 5, 2]))],
                              to: path)
    }

    static func writeManifest(directory: String, vaeHash: String, vae: String, dataset: String, scalingFactor: Float,
                              identityEncoder: IdentityEncoder) throws {
        try ModelConfigFile.write(["vae_hash": vaeHash, "vae": vae, "dataset": dataset, "scaling_factor": scalingFactor,
                                   "identity_views": identityViews, "identity_encoder": identityEncoder.rawValue],
                                  to: directory + "/cache.json")
    }

    /// Re-embeds the faces of every shard of `sets` with `encoder` (aligned with the landmarks the
    /// shard keeps, so no detection runs) and records the encoder in cache.json. Each shard is
    /// rewritten atomically; the manifest changes last, so an interrupted switch is finished by
    /// running it again.
    public func reembedIdentities(sets: [ImageSetReference], with encoder: IdentityEncoder, progress: (Int, Int) -> Void) throws {
        let network = try encoder.load()
        let manifest = try ModelConfigFile(path: directory + "/cache.json")
        for (i, set) in sets.enumerated() {
            let path = shardPath(set)
            guard FileManager.default.fileExists(atPath: path) else { progress(i + 1, sets.count); continue }
            let shard = try load(set)
            var identity = [Float](repeating: 0, count: 96 * SFace.embeddingSize)
            for v in 0..<96 where shard.hasFace[v] {
                let rgb = try set.viewImage(v).tensor()
                let aligned = FaceAlignment.alignedCrop(rgb, landmarks: shard.landmarks[v], size: 112)
                let e = FaceAnalysis.embedding(aligned, model: network).toArray()
                identity.replaceSubrange((v * SFace.embeddingSize)..<((v + 1) * SFace.embeddingSize), with: e)
            }
            try Self.writeShard(to: path, latents: shard.latents, identity: identity, hasFace: shard.hasFace.map { $0 ? 1 : 0 },
                                landmarks: shard.landmarks.flatMap { $0.flatMap { [$0.0, $0.1] } })
            progress(i + 1, sets.count)
        }
        try Self.writeManifest(directory: directory, vaeHash: vaeHash, vae: try manifest.string("vae") ?? "",
                               dataset: try manifest.string("dataset") ?? "", scalingFactor: Float(try manifest.double("scaling_factor") ?? 1),
                               identityEncoder: encoder)
    }
}
