package io.fjord.client.serialization;

import io.fjord.client.common.ClientConfig;
import io.fjord.client.errors.FjordClientException;
import java.util.ArrayList;
import java.util.List;

/** Creates configured plugins (serializers, interceptors) from an instance, a Class or a class name. */
public final class Plugins {
    private Plugins() {
    }

    public static <T> T create(Object spec, Class<T> type, String key) {
        if (spec == null) throw new FjordClientException("Missing required configuration \"" + key + "\"");
        if (type.isInstance(spec)) return type.cast(spec);
        Class<?> cls;
        try {
            cls = spec instanceof Class<?> c ? c : Class.forName(String.valueOf(spec).trim(), true,
                    Thread.currentThread().getContextClassLoader() != null ? Thread.currentThread().getContextClassLoader()
                            : Plugins.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new FjordClientException("Class " + spec + " for " + key + " cannot be found");
        }
        if (!type.isAssignableFrom(cls)) throw new FjordClientException(cls.getName() + " (" + key + ") is not a " + type.getSimpleName());
        try {
            return type.cast(cls.getDeclaredConstructor().newInstance());
        } catch (ReflectiveOperationException e) {
            throw new FjordClientException("Cannot instantiate " + cls.getName() + " for " + key, e);
        }
    }

    public static <T> Serializer<T> serializer(ClientConfig config, Object given, String key, boolean isKey) {
        @SuppressWarnings("unchecked") Serializer<T> s = create(given != null ? given : config.raw(key), Serializer.class, key);
        if (given == null) s.configure(config.asMap(), isKey);
        return s;
    }

    public static <T> Deserializer<T> deserializer(ClientConfig config, Object given, String key, boolean isKey) {
        @SuppressWarnings("unchecked") Deserializer<T> s = create(given != null ? given : config.raw(key), Deserializer.class, key);
        if (given == null) s.configure(config.asMap(), isKey);
        return s;
    }

    public static <T> List<T> list(ClientConfig config, String key, Class<T> type) {
        List<T> out = new ArrayList<>();
        Object raw = config.raw(key);
        if (raw instanceof List<?> l) {
            for (Object o : l) out.add(create(o, type, key));
        } else {
            for (String name : config.getList(key)) out.add(create(name, type, key));
        }
        return out;
    }
}
