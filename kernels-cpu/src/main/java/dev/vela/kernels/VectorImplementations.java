package dev.vela.kernels;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import org.jspecify.annotations.Nullable;

/**
 * Loads another module's Vector API implementation of an interface by class name, so that the
 * class naming vector types is touched only when {@link Capabilities#current()} says the Vector
 * API can run (and nothing fails to link without {@code jdk.incubator.vector}). The caller
 * passes its own {@link MethodHandles.Lookup}, which may see package-private classes.
 */
public final class VectorImplementations {

    private VectorImplementations() {
    }

    /**
     * A new instance of {@code className} (a no-argument constructor) as a {@code type}, or null
     * when the Vector API is unavailable here or the class cannot be created.
     */
    public static <T> @Nullable T load(MethodHandles.Lookup lookup, Class<T> type, String className) {
        if (!Capabilities.current().vectorAvailable()) {
            return null;
        }
        try {
            Class<?> c = lookup.findClass(className);
            return type.cast(lookup.findConstructor(c, MethodType.methodType(void.class)).invoke());
        } catch (Throwable e) {
            return null;
        }
    }

    /**
     * The loaded implementation.
     *
     * @throws IllegalStateException with {@link Capabilities#reason()} when it is null
     */
    public static <T> T require(@Nullable T loaded) {
        if (loaded == null) {
            throw new IllegalStateException("the Vector API implementation is unavailable: "
                    + Capabilities.current().reason());
        }
        return loaded;
    }
}
