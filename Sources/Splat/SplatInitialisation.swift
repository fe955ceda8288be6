import Foundation

/// Where a fit's Gaussians start (`splat fit --init`).
public enum SplatInitialisation: Equatable, Sendable {
    /// `config.initialGaussians` drawn inside the cameras' look-at volume (the seed paper's choice).
    case random
    /// One Gaussian per point of the views folder's COLMAP model (`sparse/0`'s points3D).
    case colmapPoints
    /// One Gaussian per point of a PLY point cloud.
    case pointCloud(path: String)
    /// `config.initialGaussians` on the surface of the training views' visual hull (their alpha
    /// masks), coloured by the views; random where the views have no alpha to carve by.
    case visualHull

    /// The point cloud read, if any (an input no output may replace).
    public var pointCloudPath: String? {
        if case .pointCloud(let path) = self { return path }
        return nil
    }

    /// The Gaussians to start from for the views in `folder` (`training`: the views the fit trains on,
    /// the only ones whose masks the hull may use); nil for `random` (the trainer draws them).
    public func gaussians(viewsFolder folder: String, training: [DatasetView], config: TrainingConfig) throws -> Gaussians? {
        switch self {
        case .random:
            return nil
        case .visualHull:
            let hull = VisualHull().surfacePoints(training, count: config.initialGaussians, seed: config.seed)
            guard !hull.points.isEmpty else { return nil }
            return SplatTrainer.isotropicGaussians(hull.points, spacing: hull.spacing, config: config)
        case .colmapPoints:
            let sparse = (folder as NSString).appendingPathComponent("sparse/0")
            guard FileManager.default.fileExists(atPath: sparse) else {
                throw SplatInputError(sparse, "no such folder (starting from points needs a COLMAP project)")
            }
            let points = try ColmapModel.read(sparse: sparse).points
            guard !points.isEmpty else { throw SplatInputError(sparse, "the model has no points3D") }
            return try Self.drawable(SplatTrainer.pointInitialisation(points.map { ($0.position, $0.colour) }, config: config), from: sparse)
        case .pointCloud(let path):
            let cloud = try PointCloudPLY.read(path)
            guard !cloud.isEmpty else { throw SplatInputError(path, "the point cloud is empty") }
            return try Self.drawable(SplatTrainer.pointInitialisation(cloud, config: config), from: path)
        }
    }

    /// `g`, or an error naming `path` when its points give Gaussians the renderer cannot draw (points
    /// spread over more than Float32 can measure make infinite scales).
    static func drawable(_ g: Gaussians, from path: String) throws -> Gaussians {
        if let problem = g.firstProblem() { throw SplatInputError(path, "its points give Gaussians the renderer cannot draw: \(problem)") }
        return g
    }
}
