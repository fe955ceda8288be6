import Tensor

/// torch.nn.BatchNorm1d/2d in inference mode: y = (x - running_mean) / sqrt(running_var + eps) *
/// weight + bias per channel (axis 1). Running statistics are constants; the affine parameters
/// and the input get gradients.
public final class BatchNorm: Module {
    public let weight: Tensor, bias: Tensor, runningMean: Tensor, runningVar: Tensor
    public let eps: Float
    private let keys: [String]

    public init(_ w: WeightScope, channels: Int, eps: Float = 1e-5) throws {
        weight = try w.load("weight", shape: [channels], initializer: .ones)
        bias = try w.load("bias", shape: [channels], initializer: .zeros)
        runningMean = try w.load("running_mean", shape: [channels], initializer: .zeros).detached()
        runningVar = try w.load("running_var", shape: [channels], initializer: .ones).detached()
        self.eps = eps
        keys = ["weight", "bias", "running_mean", "running_var"].map { w.key($0) }
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        precondition(x.rank >= 2 && x.shape[1] == weight.count, "BatchNorm over \(weight.count) channels got \(x.shape)")
        var channelShape = [Int](repeating: 1, count: x.rank)
        channelShape[1] = weight.count
        let invStd = (runningVar + eps).pow(-0.5)
        let scale = (weight * invStd).reshaped(channelShape)
        let shift = (bias - runningMean * weight * invStd).reshaped(channelShape)
        return x * scale + shift
    }

    public var namedParameters: [(String, Tensor)] { zip(keys, [weight, bias, runningMean, runningVar]).map { ($0, $1) } }
}

/// torch.nn.PReLU with one slope per channel (axis 1): max(0, x) + a min(0, x).
public final class PReLU: Module {
    public let weight: Tensor
    private let key: String

    public init(_ w: WeightScope, channels: Int) throws {
        weight = try w.load("weight", shape: [channels], initializer: .uniform(bound: 0.25))
        key = w.key("weight")
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        var channelShape = [Int](repeating: 1, count: x.rank)
        channelShape[1] = weight.count
        let positive = x.relu()
        return positive + weight.reshaped(channelShape) * (x - positive)
    }

    public var namedParameters: [(String, Tensor)] { [(key, weight)] }
}
