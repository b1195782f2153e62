/// Why a checkpoint could not be found, read, written or used. Each description is one line
/// naming the path, the problem and the fix.
public enum CheckpointError: Error, CustomStringConvertible, Equatable {
    /// `path` holds no checkpoint: neither a checkpoint folder nor a run folder with one.
    case missing(path: String)
    /// A file of the checkpoint could not be read or decoded.
    case unreadable(file: String, reason: String)
    /// A file of the checkpoint could not be written.
    case unwritable(file: String, reason: String)
    /// The configuration's model keys differ from the checkpoint's.
    case modelMismatch(checkpoint: String, configuration: String, differences: [String])
    /// The run folder already holds checkpoints of another run.
    case runExists(path: String)
    /// The checkpoint's weights cannot start the configured model (`train --init-from`).
    case incompatibleWeights(checkpoint: String, detail: String)

    public var description: String {
        switch self {
        case .missing(let path):
            return "\(path): no checkpoint there (a checkpoint folder holds state.json, a run folder checkpoints/latest); "
                + "check the path or train first with `fractalmidi train --run \(path)`"
        case .unreadable(let file, let reason):
            return "\(file): cannot read the checkpoint (\(reason)); resume from another checkpoint of the run"
        case .unwritable(let file, let reason):
            return "\(file): cannot write the checkpoint (\(reason)); check the disk space and permissions"
        case .modelMismatch(let checkpoint, let configuration, let differences):
            return "\(configuration) does not match the model of checkpoint \(checkpoint): "
                + differences.joined(separator: "; ")
                + "; use the checkpoint's model settings (or start a new run)"
        case .runExists(let path):
            return "\(path) already holds a training run; continue it with --resume \(path) or choose another --run folder"
        case .incompatibleWeights(let checkpoint, let detail):
            return "checkpoint \(checkpoint) cannot start this model: \(detail); use the checkpoint's model settings, "
                + "changing only switches that add parameters (model.pitch_embedding)"
        }
    }
}
