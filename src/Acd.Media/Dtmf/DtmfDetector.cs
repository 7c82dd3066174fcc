using System.Runtime.Intrinsics;

namespace Acd.Media.Dtmf;

/// <summary>Acceptance rules of the in-band detector; defaults follow the usual ITU-T Q.24 practice.</summary>
public sealed record DtmfDetectorOptions
{
    /// <summary>Samples per analysis block (102 at 8 kHz: 12.75 ms, ~78 Hz bins; two blocks fit any 40 ms tone).</summary>
    public int BlockSize { get; init; } = 102;

    /// <summary>Minimum amplitude of each tone (16-bit linear); ~400 is about -35 dBm0.</summary>
    public double MinimumAmplitude { get; init; } = 400;

    /// <summary>How much the high group may exceed the low group (normal twist), in dB.</summary>
    public double NormalTwistDb { get; init; } = 8;

    /// <summary>How much the low group may exceed the high group (reverse twist), in dB.</summary>
    public double ReverseTwistDb { get; init; } = 4;

    /// <summary>Each winning tone must exceed every other tone of its group by this much, in dB.</summary>
    public double RelativePeakDb { get; init; } = 8;

    /// <summary>
    /// After correcting the Goertzel power for the measured frequency offset, the two tones must carry at least this
    /// fraction of each confirming block's energy. Guards talk-off (speech spreads its energy) and short tones (a
    /// block only partly filled by tone scores its filled fraction).
    /// </summary>
    public double MinimumToneEnergyFraction { get; init; } = 0.85;

    /// <summary>A block is a candidate when the tones carry this fraction of its energy (before offset correction).</summary>
    public double CandidateToneEnergyFraction { get; init; } = 0.6;

    /// <summary>
    /// Largest accepted deviation of each tone from its nominal frequency, as a fraction (Q.24: accept 1.5%, reject
    /// 3.5%). Measured from the phase advance of the Goertzel output between consecutive blocks.
    /// </summary>
    public double MaxFrequencyDeviation { get; init; } = 0.025;

    /// <summary>Consecutive agreeing blocks before a digit is declared (2 blocks ~ 25-38 ms).</summary>
    public int BlocksToDeclare { get; init; } = 2;

    /// <summary>Consecutive blocks without the digit before it ends (covers short drop-outs).</summary>
    public int BlocksToRelease { get; init; } = 2;

    /// <summary>Every invalid setting with its name; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (BlockSize is < 80 or > 410)
        {
            errors.Add($"{nameof(DtmfDetectorOptions)}.{nameof(BlockSize)}: {BlockSize} is outside 80-410.");
        }

        if (MinimumAmplitude is <= 0 or > 32767)
        {
            errors.Add($"{nameof(DtmfDetectorOptions)}.{nameof(MinimumAmplitude)}: {MinimumAmplitude} is outside (0, 32767].");
        }

        if (MinimumToneEnergyFraction is <= 0 or > 1)
        {
            errors.Add($"{nameof(DtmfDetectorOptions)}.{nameof(MinimumToneEnergyFraction)}: {MinimumToneEnergyFraction} is outside (0, 1].");
        }

        if (MaxFrequencyDeviation is <= 0 or > 0.1)
        {
            errors.Add($"{nameof(DtmfDetectorOptions)}.{nameof(MaxFrequencyDeviation)}: {MaxFrequencyDeviation} is outside (0, 0.1].");
        }

        if (BlocksToDeclare < 2 || BlocksToRelease < 1)
        {
            errors.Add($"{nameof(DtmfDetectorOptions)}.{nameof(BlocksToDeclare)}/{nameof(BlocksToRelease)}: must be at least 2 and 1.");
        }

        return errors;
    }
}

/// <summary>
/// In-band DTMF detection with eight Goertzel filters at the exact DTMF frequencies, per block. A block is a
/// candidate when both tones are loud enough, each is the clear peak of its group, the twist is within limits and
/// the tones carry most of the energy. Two consecutive candidates for the same digit confirm it when the phase
/// advance of each tone between the blocks puts it within the frequency tolerance and, with the power corrected for
/// that offset, the tones carry nearly all of both blocks' energy (short tones and speech fail here). A digit is
/// reported once per key press. Allocation-free.
/// </summary>
public sealed class DtmfDetector
{
    private static readonly double[] Frequencies = [697, 770, 852, 941, 1209, 1336, 1477, 1633];
    private static readonly char[,] Keypad =
    {
        { '1', '2', '3', 'A' },
        { '4', '5', '6', 'B' },
        { '7', '8', '9', 'C' },
        { '*', '0', '#', 'D' },
    };

    private readonly double[] _coefficients = new double[8];
    private readonly double[] _cos = new double[8];
    private readonly double[] _sin = new double[8];
    private readonly double[] _blockAdvance = new double[8];
    private readonly double[] _s1 = new double[8];
    private readonly double[] _s2 = new double[8];
    private readonly double[] _power = new double[8];
    private readonly double[] _re = new double[8];
    private readonly double[] _im = new double[8];
    private readonly double[] _previousRe = new double[8];
    private readonly double[] _previousIm = new double[8];
    private readonly int _blockSize;
    private readonly double _normalTwist;
    private readonly double _reverseTwist;
    private readonly double _relativePeak;
    private readonly double _minimumPower;
    private readonly DtmfDetectorOptions _options;
    private readonly Vector256<double> _lowCoefficients;
    private readonly Vector256<double> _highCoefficients;
    private Vector256<double> _low1;
    private Vector256<double> _low2;
    private Vector256<double> _high1;
    private Vector256<double> _high2;
    private double _energy;
    private int _count;
    private char _previousHit;
    private double _previousEnergy;
    private double _previousRowPower;
    private double _previousColPower;
    private int _confirmed;
    private char _current;
    private int _missBlocks;

    /// <summary>Creates a detector (8 kHz input).</summary>
    public DtmfDetector(DtmfDetectorOptions? options = null)
    {
        _options = options ?? new DtmfDetectorOptions();
        var errors = _options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", errors), nameof(options));
        }

        _blockSize = _options.BlockSize;
        for (var i = 0; i < 8; i++)
        {
            var w = 2 * Math.PI * Frequencies[i] / 8000;
            _coefficients[i] = 2 * Math.Cos(w);
            _cos[i] = Math.Cos(w);
            _sin[i] = Math.Sin(w);
            _blockAdvance[i] = w * _blockSize;
        }

        _lowCoefficients = Vector256.Create(_coefficients[0], _coefficients[1], _coefficients[2], _coefficients[3]);
        _highCoefficients = Vector256.Create(_coefficients[4], _coefficients[5], _coefficients[6], _coefficients[7]);
        _normalTwist = Math.Pow(10, _options.NormalTwistDb / 10);
        _reverseTwist = Math.Pow(10, _options.ReverseTwistDb / 10);
        _relativePeak = Math.Pow(10, _options.RelativePeakDb / 10);

        // Goertzel power of a sine of amplitude A over N samples is (A N / 2)^2.
        var a = _options.MinimumAmplitude * _blockSize / 2;
        _minimumPower = a * a;
    }

    /// <summary>Digits reported so far.</summary>
    public long DigitsDetected { get; private set; }

    /// <summary>
    /// Feeds samples; writes each newly detected digit to <paramref name="digits"/> and returns how many. A 20 ms
    /// frame yields at most one digit, so a span of 1-2 suffices per frame.
    /// </summary>
    public int Process(ReadOnlySpan<short> samples, Span<char> digits)
    {
        // The eight filters run as two 4-wide vectors (low group, high group): one multiply-add per group per sample.
        var found = 0;
        var lowCoefficients = _lowCoefficients;
        var highCoefficients = _highCoefficients;
        var low1 = _low1;
        var low2 = _low2;
        var high1 = _high1;
        var high2 = _high2;
        var energy = _energy;
        var count = _count;
        for (var n = 0; n < samples.Length; n++)
        {
            double x = samples[n];
            energy += x * x;
            var xv = Vector256.Create(x);
            var low = xv + (lowCoefficients * low1) - low2;
            low2 = low1;
            low1 = low;
            var high = xv + (highCoefficients * high1) - high2;
            high2 = high1;
            high1 = high;
            if (++count == _blockSize)
            {
                low1.CopyTo(_s1);
                high1.CopyTo(_s1, 4);
                low2.CopyTo(_s2);
                high2.CopyTo(_s2, 4);
                _energy = energy;
                var digit = EndBlock();
                if (digit != '\0' && found < digits.Length)
                {
                    digits[found++] = digit;
                }

                low1 = low2 = high1 = high2 = Vector256<double>.Zero;
                energy = 0;
                count = 0;
            }
        }

        _low1 = low1;
        _low2 = low2;
        _high1 = high1;
        _high2 = high2;
        _energy = energy;
        _count = count;
        return found;
    }

    /// <summary>Forgets any partial block and tone in progress.</summary>
    public void Reset()
    {
        _low1 = _low2 = _high1 = _high2 = Vector256<double>.Zero;
        _energy = 0;
        _count = 0;
        _previousHit = '\0';
        _confirmed = 0;
        _current = '\0';
        _missBlocks = 0;
    }

    private char EndBlock()
    {
        for (var i = 0; i < 8; i++)
        {
            _previousRe[i] = _re[i];
            _previousIm[i] = _im[i];
            _re[i] = _s1[i] - (_s2[i] * _cos[i]);
            _im[i] = _s2[i] * _sin[i];
            _power[i] = (_re[i] * _re[i]) + (_im[i] * _im[i]);
            _s1[i] = 0;
            _s2[i] = 0;
        }

        var energy = _energy;
        _energy = 0;
        _count = 0;
        var hit = Classify(energy, out var row, out var col);
        var confirmed = hit != '\0' && hit == _previousHit && Confirm(row, col, energy);
        _previousHit = hit;
        _previousEnergy = energy;
        _previousRowPower = hit != '\0' ? _power[row] : 0;
        _previousColPower = hit != '\0' ? _power[col] : 0;
        return Debounce(hit, confirmed);
    }

    private char Classify(double energy, out int row, out int col)
    {
        row = Peak(0);
        col = Peak(4);
        var rowPower = _power[row];
        var colPower = _power[col];
        if (rowPower < _minimumPower || colPower < _minimumPower)
        {
            return '\0';
        }

        if (colPower > rowPower * _normalTwist || rowPower > colPower * _reverseTwist)
        {
            return '\0';
        }

        for (var i = 0; i < 4; i++)
        {
            if ((i != row && _power[i] * _relativePeak > rowPower) || (i + 4 != col && _power[i + 4] * _relativePeak > colPower))
            {
                return '\0';
            }
        }

        // Tone energy in the block is power * 2 / N (the Goertzel power of a sine is (A N / 2)^2, its energy A^2 N / 2).
        var toneEnergy = (rowPower + colPower) * 2 / _blockSize;
        if (toneEnergy < _options.CandidateToneEnergyFraction * energy)
        {
            return '\0';
        }

        return Keypad[row, col - 4];
    }

    private bool Confirm(int row, int col, double energy)
    {
        if (!Offset(row, out var rowGain) || !Offset(col, out var colGain))
        {
            return false;
        }

        var threshold = _options.MinimumToneEnergyFraction;
        var current = ((_power[row] / rowGain) + (_power[col] / colGain)) * 2 / _blockSize;
        var previous = ((_previousRowPower / rowGain) + (_previousColPower / colGain)) * 2 / _blockSize;
        return current >= threshold * energy && previous >= threshold * _previousEnergy;
    }

    // The phase advance of a filter's output over one block is 2 pi f N / fs; the excess over the nominal frequency's
    // advance gives the tone's offset. Returns the power loss (scalloping) that offset causes, to correct for it.
    private bool Offset(int filter, out double gain)
    {
        var re = (_re[filter] * _previousRe[filter]) + (_im[filter] * _previousIm[filter]);
        var im = (_im[filter] * _previousRe[filter]) - (_re[filter] * _previousIm[filter]);
        var excess = Math.IEEERemainder(Math.Atan2(im, re) - _blockAdvance[filter], 2 * Math.PI);
        var offsetHz = excess * 8000 / (2 * Math.PI * _blockSize);
        gain = 1;
        if (Math.Abs(offsetHz) > _options.MaxFrequencyDeviation * Frequencies[filter])
        {
            return false;
        }

        var x = Math.PI * offsetHz * _blockSize / 8000;
        if (Math.Abs(x) > 1e-9)
        {
            var sinc = Math.Sin(x) / x;
            gain = sinc * sinc;
        }

        return true;
    }

    private int Peak(int start)
    {
        var best = start;
        for (var i = start + 1; i < start + 4; i++)
        {
            if (_power[i] > _power[best])
            {
                best = i;
            }
        }

        return best;
    }

    private char Debounce(char hit, bool confirmed)
    {
        if (_current != '\0')
        {
            if (hit == _current)
            {
                _missBlocks = 0;
                return '\0';
            }

            if (++_missBlocks < _options.BlocksToRelease)
            {
                return '\0';
            }

            _current = '\0';
            _missBlocks = 0;
            _confirmed = 0;
        }

        if (!confirmed)
        {
            _confirmed = 0;
            return '\0';
        }

        if (++_confirmed >= _options.BlocksToDeclare - 1)
        {
            _current = hit;
            _confirmed = 0;
            DigitsDetected++;
            return hit;
        }

        return '\0';
    }
}
