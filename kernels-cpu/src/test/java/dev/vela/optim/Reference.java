package dev.vela.optim;

/**
 * Plain double-precision update rules written from the papers' and reference projects'
 * equations (see shared/refs/optimizers.md), one tensor at a time, straightforwardly: no fused
 * coefficients, no precomputed reciprocals. State arrays start at zero; t is the step number
 * (1 for the first). They are what the float kernels are measured against.
 */
final class Reference {

    private Reference() {
    }

    private static double[] signed(double[] g, boolean maximize) {
        double[] out = g.clone();
        if (maximize) {
            for (int i = 0; i < out.length; i++) {
                out[i] = -out[i];
            }
        }
        return out;
    }

    private static double norm(double[] x) {
        double s = 0;
        for (double v : x) {
            s += v * v;
        }
        return Math.sqrt(s);
    }

    /** torch.optim.SGD: L2 term, first-step buffer copy, dampening, Nesterov. */
    static void sgd(SgdParams h, int t, double[] p, double[] g0, double[] b) {
        double[] g = signed(g0, h.maximize());
        for (int i = 0; i < p.length; i++) {
            double gi = g[i] + h.weightDecay() * p[i];
            double d = gi;
            if (h.momentum() != 0) {
                b[i] = t == 1 ? gi : h.momentum() * b[i] + (1 - h.dampening()) * gi;
                d = h.nesterov() ? gi + h.momentum() * b[i] : b[i];
            }
            p[i] -= h.lr() * d;
        }
    }

    /** torch.optim.Adam / AdamW, amsgrad on the raw v. */
    static void adam(AdamParams h, int t, double[] p, double[] g0, double[] m, double[] v, double[] vMax) {
        double[] g = signed(g0, h.maximize());
        double bc1 = 1 - Math.pow(h.beta1(), t), bc2 = 1 - Math.pow(h.beta2(), t);
        for (int i = 0; i < p.length; i++) {
            double gi = g[i];
            if (h.decoupled()) {
                p[i] *= 1 - h.lr() * h.weightDecay();
            } else {
                gi += h.weightDecay() * p[i];
            }
            m[i] = h.beta1() * m[i] + (1 - h.beta1()) * gi;
            v[i] = h.beta2() * v[i] + (1 - h.beta2()) * gi * gi;
            double second = v[i];
            if (h.amsgrad()) {
                vMax[i] = Math.max(vMax[i], v[i]);
                second = vMax[i];
            }
            p[i] -= h.lr() / bc1 * m[i] / (Math.sqrt(second) / Math.sqrt(bc2) + h.eps());
        }
    }

    /** Lion (Chen et al. 2023). */
    static void lion(LionParams h, double[] p, double[] g0, double[] m) {
        double[] g = signed(g0, h.maximize());
        for (int i = 0; i < p.length; i++) {
            double c = h.beta1() * m[i] + (1 - h.beta1()) * g[i];
            p[i] = p[i] * (1 - h.lr() * h.weightDecay()) - h.lr() * Math.signum(c);
            m[i] = h.beta2() * m[i] + (1 - h.beta2()) * g[i];
        }
    }

    /** signSGD (m null) or Signum, decoupled decay. */
    static void signum(SignumParams h, double[] p, double[] g0, double[] m) {
        double[] g = signed(g0, h.maximize());
        for (int i = 0; i < p.length; i++) {
            double d = g[i];
            if (m != null) {
                m[i] = h.momentum() * m[i] + (1 - h.momentum()) * g[i];
                d = m[i];
            }
            p[i] = p[i] * (1 - h.lr() * h.weightDecay()) - h.lr() * Math.signum(d);
        }
    }

    /** adabelief_pytorch 0.2.1, rectified or not. */
    static void adaBelief(AdaBeliefParams h, int t, double[] p, double[] g0, double[] m, double[] s) {
        double[] g = signed(g0, h.maximize());
        double bc1 = 1 - Math.pow(h.beta1(), t), bc2 = 1 - Math.pow(h.beta2(), t);
        double rhoInf = 2 / (1 - h.beta2()) - 1;
        double rho = rhoInf - 2 * t * Math.pow(h.beta2(), t) / bc2;
        for (int i = 0; i < p.length; i++) {
            double gi = g[i];
            if (h.decoupled()) {
                p[i] *= 1 - h.lr() * h.weightDecay();
            } else {
                gi += h.weightDecay() * p[i];
            }
            m[i] = h.beta1() * m[i] + (1 - h.beta1()) * gi;
            double r = gi - m[i];
            s[i] = h.beta2() * s[i] + (1 - h.beta2()) * r * r + h.eps();
            if (!h.rectify()) {
                p[i] -= h.lr() / bc1 * m[i] / (Math.sqrt(s[i]) / Math.sqrt(bc2) + h.eps());
            } else if (rho >= 5) {
                double rt = Math.sqrt((rho - 4) / (rhoInf - 4) * (rho - 2) / rho * rhoInf / (rhoInf - 2) * bc2);
                p[i] -= h.lr() * rt / bc1 * m[i] / (Math.sqrt(s[i]) + h.eps());
            } else if (h.degenerateToSgd()) {
                p[i] -= h.lr() / bc1 * m[i];
            }
        }
    }

    /** diffGrad v2: L2 term, friction from the previous (decayed) gradient, TF-style eps. */
    static void diffGrad(DiffGradParams h, int t, double[] p, double[] g0, double[] m, double[] v, double[] prev) {
        double[] g = signed(g0, h.maximize());
        double bc1 = 1 - Math.pow(h.beta1(), t), bc2 = 1 - Math.pow(h.beta2(), t);
        for (int i = 0; i < p.length; i++) {
            double gi = g[i] + h.weightDecay() * p[i];
            m[i] = h.beta1() * m[i] + (1 - h.beta1()) * gi;
            v[i] = h.beta2() * v[i] + (1 - h.beta2()) * gi * gi;
            double xi = 1 / (1 + Math.exp(-Math.abs(prev[i] - gi)));
            prev[i] = gi;
            p[i] -= h.lr() * Math.sqrt(bc2) / bc1 * xi * m[i] / (Math.sqrt(v[i]) + h.eps());
        }
    }

    /**
     * EXAdam, latest code (no dynamic step size). When {@code extra} is given it receives, per
     * element, what float32 arithmetic may add to this step's error beyond a few roundings of
     * the step itself, from two ill-conditioned spots of the rule:
     * <ul>
     *   <li>m is a running sum of terms of both signs and the update adds m~ and g~, so errors are
     *       relative to the uncancelled magnitude lr d1 (a + |g|) / bc1 / (sqrt(v~) + eps), where
     *       {@code a} (kept in {@code absAverage}) averages |g| as m averages g;</li>
     *   <li>d2 = 1 + beta1^t m^2 / (m^2 + eps) turns an absolute error dm of m (up to 2^-22 a)
     *       into |d d2 / dm| dm = beta1^t 2 |m| eps / (m^2 + eps)^2 dm, up to 6500 beta1^t dm
     *       for eps 1e-8, and the step moves by half that relative change of d2.</li>
     * </ul>
     */
    static void exAdam(ExAdamParams h, int t, double[] p, double[] g0, double[] m, double[] v, double kappa,
                       double[] extra, double[] absAverage) {
        double[] g = signed(g0, h.maximize());
        double b1t = Math.pow(h.beta1(), t), b2t = Math.pow(h.beta2(), t);
        for (int i = 0; i < p.length; i++) {
            p[i] *= 1 - h.lr() * h.weightDecay();
            m[i] = h.beta1() * m[i] + (1 - h.beta1()) * g[i];
            v[i] = h.beta2() * v[i] + (1 - h.beta2()) * g[i] * g[i];
            double d1 = 1 + b2t * v[i] / (v[i] + h.eps());
            double d2 = 1 + b1t * m[i] * m[i] / (m[i] * m[i] + h.eps());
            double mTilde = d1 * m[i] / (1 - b1t), vTilde = d2 * v[i] / (1 - b2t), gTilde = d1 * g[i] / (1 - b1t);
            double step = h.lr() * (mTilde + gTilde) / (Math.sqrt(vTilde) + h.eps());
            p[i] -= step;
            if (extra != null) {
                absAverage[i] = h.beta1() * absAverage[i] + (1 - h.beta1()) * Math.abs(g[i]);
                double uncancelled = h.lr() * d1 * (absAverage[i] + Math.abs(g[i])) / (1 - b1t)
                        / (Math.sqrt(vTilde) + h.eps());
                double m2 = m[i] * m[i], dm = 0x1p-22 * absAverage[i];
                double dd2 = b1t * 2 * Math.abs(m[i]) * h.eps() / ((m2 + h.eps()) * (m2 + h.eps())) * dm;
                extra[i] = kappa * uncancelled + Math.abs(step) * dd2 / (2 * d2);
            }
        }
    }

    /** LAMB over one tensor; returns the trust ratio. */
    static double lamb(LambParams h, int t, double[] p, double[] g0, double[] m, double[] v) {
        double[] g = signed(g0, h.maximize());
        double bc1 = h.biasCorrection() ? 1 - Math.pow(h.beta1(), t) : 1;
        double bc2 = h.biasCorrection() ? 1 - Math.pow(h.beta2(), t) : 1;
        double[] u = new double[p.length];
        for (int i = 0; i < p.length; i++) {
            m[i] = h.beta1() * m[i] + (1 - h.beta1()) * g[i];
            v[i] = h.beta2() * v[i] + (1 - h.beta2()) * g[i] * g[i];
            u[i] = (m[i] / bc1) / (Math.sqrt(v[i] / bc2) + h.eps()) + h.weightDecay() * p[i];
        }
        double pn = norm(p), un = norm(u);
        double trust = pn == 0 || un == 0 ? 1 : Math.min(pn, h.maxWeightNorm()) / un;
        for (int i = 0; i < p.length; i++) {
            p[i] -= h.lr() * trust * u[i];
        }
        return trust;
    }

    /** LARS (optax form) over one tensor; returns the trust ratio. */
    static double lars(LarsParams h, double[] p, double[] g0, double[] b) {
        double[] g = signed(g0, h.maximize());
        double[] u = new double[p.length];
        for (int i = 0; i < p.length; i++) {
            u[i] = g[i] + h.weightDecay() * p[i];
        }
        double pn = norm(p), un = norm(u);
        double trust = pn == 0 || un == 0 ? 1 : h.trustCoefficient() * pn / (un + h.eps());
        for (int i = 0; i < p.length; i++) {
            double d = trust * u[i];
            if (h.momentum() != 0) {
                b[i] = h.momentum() * b[i] + d;
                d = h.nesterov() ? d + h.momentum() * b[i] : b[i];
            }
            p[i] -= h.lr() * d;
        }
        return trust;
    }

    /** SGD-SaI's gsnr of a first-step gradient: ||g|| / (unbiased std + eps), std 0 for one element. */
    static double gsnr(SgdSaiParams h, double[] g) {
        int n = g.length;
        double mean = 0;
        for (double x : g) {
            mean += x;
        }
        mean /= n;
        double ss = 0;
        for (double x : g) {
            ss += (x - mean) * (x - mean);
        }
        double std = n > 1 ? Math.sqrt(ss / (n - 1)) : 0;
        return norm(g) / (std + h.eps());
    }

    static void sgdSai(SgdSaiParams h, int t, double gsnr, double[] p, double[] g0, double[] b) {
        double[] g = signed(g0, h.maximize());
        for (int i = 0; i < p.length; i++) {
            b[i] = t == 1 ? g[i] : h.momentum() * b[i] + (1 - h.momentum()) * g[i];
            p[i] *= 1 - h.lr() * h.weightDecay();
            p[i] -= h.lr() * gsnr * b[i];
        }
    }

    /**
     * clovaai's projection over a tensor of rows: returns whether it fired (u is projected in
     * place). The cosine uses the gradient as given.
     */
    static boolean project(int rows, double[] p, double[] g, double[] u, double delta, double eps) {
        if (rows <= 1) {
            return false;
        }
        int cols = p.length / rows;
        for (int[] view : new int[][] {{rows, cols}, {1, p.length}}) {
            int r = view[0], c = view[1];
            double maxCos = 0;
            for (int k = 0; k < r; k++) {
                double gp = 0, gg = 0, pp = 0;
                for (int j = k * c; j < (k + 1) * c; j++) {
                    gp += g[j] * p[j];
                    gg += g[j] * g[j];
                    pp += p[j] * p[j];
                }
                maxCos = Math.max(maxCos, Math.abs(gp) / (Math.max(Math.sqrt(gg), eps) * Math.max(Math.sqrt(pp), eps)));
            }
            if (maxCos < delta / Math.sqrt(c)) {
                for (int k = 0; k < r; k++) {
                    double pp = 0;
                    for (int j = k * c; j < (k + 1) * c; j++) {
                        pp += p[j] * p[j];
                    }
                    double pn = Math.sqrt(pp) + eps, dot = 0;
                    for (int j = k * c; j < (k + 1) * c; j++) {
                        dot += (p[j] / pn) * u[j];
                    }
                    for (int j = k * c; j < (k + 1) * c; j++) {
                        u[j] -= (p[j] / pn) * dot;
                    }
                }
                return true;
            }
        }
        return false;
    }

    /** AdamP over a tensor of rows; returns whether the projection fired. */
    static boolean adamP(AdamPParams h, int t, int rows, double[] p, double[] g0, double[] m, double[] v) {
        double[] g = signed(g0, h.maximize());
        double bc1 = 1 - Math.pow(h.beta1(), t), bc2 = 1 - Math.pow(h.beta2(), t);
        double[] u = new double[p.length];
        for (int i = 0; i < p.length; i++) {
            m[i] = h.beta1() * m[i] + (1 - h.beta1()) * g[i];
            v[i] = h.beta2() * v[i] + (1 - h.beta2()) * g[i] * g[i];
            u[i] = m[i] / (Math.sqrt(v[i]) / Math.sqrt(bc2) + h.eps());
        }
        boolean projected = project(rows, p, g, u, h.delta(), h.eps());
        double ratio = projected ? h.wdRatio() : 1;
        for (int i = 0; i < p.length; i++) {
            p[i] *= 1 - h.lr() * h.weightDecay() * ratio;
            p[i] -= h.lr() / bc1 * u[i];
        }
        return projected;
    }

    /** SGDP over a tensor of rows; returns whether the projection fired. */
    static boolean sgdp(SgdpParams h, int rows, double[] p, double[] g0, double[] b) {
        double[] g = signed(g0, h.maximize());
        double[] d = new double[p.length];
        for (int i = 0; i < p.length; i++) {
            b[i] = h.momentum() * b[i] + (1 - h.dampening()) * g[i];
            d[i] = h.nesterov() ? g[i] + h.momentum() * b[i] : b[i];
        }
        boolean projected = project(rows, p, g, d, h.delta(), 1e-8);
        double ratio = projected ? h.wdRatio() : 1;
        for (int i = 0; i < p.length; i++) {
            p[i] *= 1 - h.lr() * h.weightDecay() * ratio / (1 - h.momentum());
            p[i] -= h.lr() * d[i];
        }
        return projected;
    }

    /** torch.optim.RMSprop: centered and momentum as PyTorch applies them. */
    static void rmsprop(RmspropParams h, double[] p, double[] g0, double[] v, double[] gavg, double[] b) {
        rmsprop(h, p, g0, v, gavg, b, null, null);
    }

    /**
     * RMSprop; when {@code extra} is given, the rule leaves in it, per element, what float32
     * arithmetic may add to this step's error beyond a few roundings, from two ill-conditioned
     * places:
     * <ul>
     *   <li>The centered variance v - gavg^2 cancels when the gradient's mean is large against its
     *       spread (an L2 term adds wd p to every gradient), and float v and gavg carry relative
     *       errors up to about 2^-24 / (1 - alpha) from their running averages. That makes an
     *       absolute error in the variance up to K 2^-24 (v + gavg^2), K = 1 / (1 - alpha) + 4,
     *       and the step moves by half its relative size, damped by sqrt(var) / (sqrt(var) + eps).
     *       Found when a case with wd 0.1 and alpha 0.9 (mean 0.17, spread 1e-3) missed the plain
     *       bound by 30x.</li>
     *   <li>The gradient g + wd p itself cancels when g nearly equals -wd p: the float sum carries
     *       an absolute error up to 2^-23 (|g| + |wd p|), which is a large relative error when the
     *       sum is tiny, and while v is young (step 1) the direction g' / (sqrt(v) + eps) is
     *       sensitive to it where |g'| sqrt(1 - alpha) is near eps. The bound is the direction's
     *       change when g' moves by that error, either way. Found when a gradient of 1.8e-7 (g
     *       0.0611 against wd p = -0.0611, alpha 0.99) missed the bound by 2x through momentum.</li>
     * </ul>
     * With momentum the errors of the directions accumulate as b does ({@code errB}).
     */
    static void rmsprop(RmspropParams h, double[] p, double[] g0, double[] v, double[] gavg, double[] b,
                        double[] extra, double[] errB) {
        double[] g = signed(g0, h.maximize());
        double k = 1 / (1 - h.alpha()) + 4;
        for (int i = 0; i < p.length; i++) {
            double gi = g[i] + h.weightDecay() * p[i];
            double gError = 0x1p-23 * (Math.abs(g[i]) + Math.abs(h.weightDecay() * p[i]));
            double vBefore = v[i], gavgBefore = gavg[i];
            double direction = rmspropDirection(h, gi, v, gavg, i);
            double rel = 0;
            if (h.centered()) {
                double var = v[i] - gavg[i] * gavg[i], sd = Math.sqrt(var);
                if (var > 0) {
                    rel = 0.5 * k * 0x1p-24 * (v[i] + gavg[i] * gavg[i]) / var * sd / (sd + h.eps());
                }
            }
            if (h.momentum() != 0) {
                b[i] = h.momentum() * b[i] + direction;
                p[i] -= h.lr() * b[i];
            } else {
                p[i] -= h.lr() * direction;
            }
            if (extra != null) {
                double[] vAlt = {vBefore}, gavgAlt = {gavgBefore};
                double up = rmspropDirection(h, gi + gError, vAlt, gavgAlt, 0);
                vAlt[0] = vBefore;
                gavgAlt[0] = gavgBefore;
                double down = rmspropDirection(h, gi - gError, vAlt, gavgAlt, 0);
                double err = Math.abs(direction) * rel
                        + Math.max(Math.abs(up - direction), Math.abs(down - direction));
                if (h.momentum() != 0) {
                    errB[i] = h.momentum() * errB[i] + err;
                    err = errB[i];
                }
                extra[i] = h.lr() * err;
            }
        }
    }

    /** Advances v[i] (and gavg[i] when centered) by the gradient gi and returns RMSprop's direction. */
    private static double rmspropDirection(RmspropParams h, double gi, double[] v, double[] gavg, int i) {
        v[i] = h.alpha() * v[i] + (1 - h.alpha()) * gi * gi;
        double d;
        if (h.centered()) {
            gavg[i] = h.alpha() * gavg[i] + (1 - h.alpha()) * gi;
            d = Math.sqrt(v[i] - gavg[i] * gavg[i]) + h.eps();
        } else {
            d = Math.sqrt(v[i]) + h.eps();
        }
        return gi / d;
    }

    /** torch.optim.Adagrad; sum holds the squares without the initial accumulator. */
    static void adagrad(AdagradParams h, int t, double[] p, double[] g0, double[] sum) {
        double[] g = signed(g0, h.maximize());
        double clr = h.lr() / (1 + (t - 1) * h.lrDecay());
        for (int i = 0; i < p.length; i++) {
            double gi = g[i] + h.weightDecay() * p[i];
            sum[i] += gi * gi;
            p[i] -= clr * gi / (Math.sqrt(h.initialAccumulator() + sum[i]) + h.eps());
        }
    }
}
