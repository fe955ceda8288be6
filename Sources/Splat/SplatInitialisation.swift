import Foundation

/// Where a fit's Gaussians start (`splat fit --init`).
public enum SplatInitialisation: Equatable, Sendable {
    /// `config.initialGaussians` drawn inside the cameras' look-at volume (the seed paper's choice).
    case random
    /// One Gaussian per point of the views folder's COLMAP model (`sparse/0`'s points3D).
    case colmapPoints
    /// One Gaussian per point of a PLY point cloud.
    case pointCloud(path: String)

    /// The point cloud read, if any (an input no output may replace).
    public var pointCloudPath: String? {
        if case .pointCloud(let path) = self { return path }
        return nil
    }

    /// The Gaussians to start from for the views in `folder`; nil for `random` (the trainer draws them).
    public func gaussians(viewsFolder folder: String, config: TrainingConfig) throws -> Gaussians? {
        switch self {
        case .random:
            return nil
        case .colmapPoints:
            let sparse = (folder as NSString).appendingPathComponent("sparse/0")
            guard FileManager.default.fileExists(atPath: sparse) else {
                throw SplatInputError(sparse, "no such folder (starting from points needs a COLMAP project)")
            }
            let points = try ColmapModel.read(sparse: sparse).points
            guard !points.isEmpty else { throw SplatInputError(sparse, "the model has no points3D") }
            return SplatTrainer.pointInitialisation(points.map { ($0.position, $0.colour) }, config: config)
        case .pointCloud(let path):
            let cloud = try PointCloudPLY.read(path)
            guard !cloud.isEmpty else { throw SplatInputError(path, "the point cloud is empty") }
            return SplatTrainer.pointInitialisation(cloud, config: config)
        }
    }
}
