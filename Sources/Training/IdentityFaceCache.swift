import Foundation
import Imaging
import Models
import Pipeline
import Tensor

/// Seed Eq. 5's training data, computed once: per image set, the faces YuNet finds in the front-half
/// views (`LatentCache.identityViews`), aligned to the ArcFace template and run through SFace's frozen
/// trunk. Fine-tuning trains only the embedding head on these features. One shard per image set,
/// `<dir>/subject_SSSS_appearance_AA.safetensors`:
///
///     features [n, 50176]   SFace trunk output (after bn1), F16
///     views    [n]          the view index of each face
///
/// plus the set's class name (subject and expression preset) in the metadata. A set where YuNet finds
/// no face at all (sunglasses and a hat on a side-lit head can do it) gets an empty marker file
/// `<name>.noface` instead. Building skips shards already written (each atomically), so an
/// interrupted build resumes.
public struct IdentityFaceCache {
    public let directory: String

    public struct Shard {
        public let features: Tensor
        public let views: [Int]
        /// "subject_0005/smile": Eq. 5's class.
        public let className: String
    }

    public init(directory: String) { self.directory = directory }

    public func shardPath(_ set: ImageSetReference) -> String { directory + "/" + set.name + ".safetensors" }

    /// The marker of a set without faces.
    func noFacePath(_ set: ImageSetReference) -> String { directory + "/" + set.name + ".noface" }

    /// The set's faces; nil when it has none.
    public func load(_ set: ImageSetReference) throws -> Shard? {
        let path = shardPath(set)
        if FileManager.default.fileExists(atPath: noFacePath(set)) { return nil }
        do {
            let file = try SafeTensorsFile(path: path)
            guard let className = file.metadata["class"] else { throw TrainingError("no class in the metadata") }
            return Shard(features: try file.tensor("features"), views: try file.tensor("views").toArray().map { Int($0) }, className: className)
        } catch { throw TrainingError("\(path): cannot read the identity cache shard: \(error)") }
    }

    /// The expression preset an `orbit synth` image set was rendered with (its parameters.json).
    public static func expressionPreset(of set: ImageSetReference) throws -> String {
        let file = set.path + "/parameters.json"
        guard let data = FileManager.default.contents(atPath: file),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let preset = object["expressionPreset"] as? String
        else { throw TrainingError("\(file): missing or without an expressionPreset") }
        return preset
    }

    /// Writes the shards of `sets` that are missing. `progress(done, total)`.
    public static func build(sets: [ImageSetReference], into directory: String, progress: (Int, Int) -> Void) throws -> IdentityFaceCache {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let cache = IdentityFaceCache(directory: directory)
        let faces = try FaceAnalysis.pretrained()
        let sface = try SFace.pretrained()
        for (i, set) in sets.enumerated() {
            let path = cache.shardPath(set)
            if !FileManager.default.fileExists(atPath: path) && !FileManager.default.fileExists(atPath: cache.noFacePath(set)) {
                var crops: [Tensor] = [], views: [Int] = []
                for v in LatentCache.identityViews {
                    guard let found = faces.analyse(try ImageIO.read(set.viewPath(v))) else { continue }
                    crops.append((found.aligned * 255).unsqueezed(0))
                    views.append(v)
                }
                if crops.isEmpty {
                    try AtomicFile.write(Data(), to: cache.noFacePath(set))
                } else {
                    let features = noGrad { sface.trunkFeatures(Tensor.concat(crops, axis: 0)) }
                    let className = "subject_" + String(format: "%04d", set.subject) + "/" + (try expressionPreset(of: set))
                    try SafeTensors.write([("features", features), ("views", Tensor(views.map(Float.init), shape: [views.count]))],
                                          metadata: ["class": className], dtype: .f16, to: path)
                }
            }
            progress(i + 1, sets.count)
        }
        return cache
    }
}
