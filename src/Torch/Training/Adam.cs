using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Nic.Torch.Training;

/// <summary>
/// Adam (β₁ 0.9, β₂ 0.999, ε 10⁻⁸, no weight decay) with the update of TorchSharp's <see cref="TorchSharp.Modules.Adam"/>, step for
/// step and in the same order of operations, but with every <see cref="Scalar"/> held until libtorch has used it.
/// </summary>
/// <remarks>
/// TorchSharp's own step makes its Scalars (β₁, 1 − β₁, ε, the step size) on the spot and lets them go while libtorch
/// still reads them; a garbage collection on another thread can then free one mid-call (see
/// <see cref="TensorArithmetic"/>). The state — the moment tensors and step count of each parameter — is the base
/// class's, so <c>save_state_dict</c>/<c>load_state_dict</c> and the learning-rate control are unchanged. The class
/// keeps the name <c>Adam</c> on purpose: TorchSharp writes the optimizer's type name into its saved state and checks
/// it on load, so training checkpoints stay interchangeable with those written with TorchSharp's own Adam.
/// </remarks>
internal sealed class Adam : TorchSharp.Modules.Adam
{
    private static readonly Scalar One = 1.ToScalar();

    public Adam(IEnumerable<Parameter> parameters, double learningRate)
        : base(parameters, lr: learningRate)
    {
    }

    /// <inheritdoc/>
    public override Tensor step(Func<Tensor>? closure = null) => _step<ParamGroup>(
        group =>
        {
            var options = (Options)group.Options;
            if (options.weight_decay != 0 || options.amsgrad == true || options.maximize == true)
            {
                throw new NotSupportedException("Nic.Torch.Training.Adam implements Adam without weight decay, AMSGrad or maximization");
            }

            double beta1 = options.beta1!.Value, beta2 = options.beta2!.Value, learningRate = options.LearningRate!.Value;
            using Scalar b1 = beta1.ToScalar();
            using Scalar b2 = beta2.ToScalar();
            using Scalar oneMinusB1 = (1 - beta1).ToScalar();
            using Scalar oneMinusB2 = (1 - beta2).ToScalar();
            using Scalar eps = options.eps!.Value.ToScalar();
            foreach (Parameter parameter in group.Parameters)
            {
                Tensor? grad = parameter.grad;
                if (grad is null)
                {
                    continue;
                }

                var state = (State)_state[parameter.Handle];
                state.step += 1;
                double biasCorrection1 = 1 - Math.Pow(beta1, state.step);
                double biasCorrection2 = 1 - Math.Pow(beta2, state.step);
                state.exp_avg.mul_(b1).add_(grad, oneMinusB1);
                state.exp_avg_sq.mul_(b2).addcmul_(grad, grad, oneMinusB2);
                using Scalar root = Math.Sqrt(biasCorrection2).ToScalar();
                Tensor denominator = state.exp_avg_sq.sqrt().div(root).add_(eps, One);
                using Scalar stepSize = (-learningRate / biasCorrection1).ToScalar();
                parameter.addcdiv_(state.exp_avg, denominator, stepSize);
            }
        },
        closure);
}
