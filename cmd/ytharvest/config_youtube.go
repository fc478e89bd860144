package main

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/harvestdev/ytharvest/harvest/youtube"
)

// youtubeTable checks the [youtube] table, which holds only
// [youtube.client.NAME] tables: NAME a client identity of
// --youtube-client, each key a field of it (version, user-agent). They
// become --youtube-client-override values, so that the command line
// replaces them as it does any repeatable flag.
func (c *config) youtubeTable(val any) (setting, error) {
	s := setting{name: "youtube-client-override", label: "[youtube.client]", at: c.where("youtube")}
	var errs []error
	fail := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	tab, ok := val.(map[string]any)
	if !ok {
		return s, fmt.Errorf("%s: \"youtube\" must be a table: [youtube.client.NAME]", s.at)
	}
	for _, k := range c.keys("youtube") {
		clients, ok := tab[k].(map[string]any)
		if k != "client" || !ok {
			fail("%s: unknown key %q in [youtube]: it holds only [youtube.client.NAME] tables (NAME one of %s)",
				c.where("youtube", k), k, strings.Join(youtube.ClientKeys(), ", "))
			continue
		}
		for _, name := range c.keys("youtube", "client") {
			at := c.where("youtube", "client", name)
			fields, ok := clients[name].(map[string]any)
			switch {
			case !slices.Contains(youtube.ClientKeys(), name):
				msg := fmt.Sprintf("%s: unknown client [youtube.client.%s]", at, name)
				if n := nearest(name, youtube.ClientKeys()); n != "" {
					msg += fmt.Sprintf("; did you mean [youtube.client.%s]?", n)
				}
				fail("%s (known: %s)", msg, strings.Join(youtube.ClientKeys(), ", "))
				continue
			case !ok:
				fail("%s: %q must be a table: [youtube.client.%s] with version = \"...\"", at, name, name)
				continue
			}
			for _, f := range c.keys("youtube", "client", name) {
				at := c.where("youtube", "client", name, f)
				field := flagName(f)
				str, isString := fields[f].(string)
				switch {
				case !slices.Contains(youtube.OverrideFields, field):
					msg := fmt.Sprintf("%s: unknown key %q in [youtube.client.%s]", at, f, name)
					if n := nearest(field, youtube.OverrideFields); n != "" {
						msg += fmt.Sprintf("; did you mean %q?", n)
					}
					fail("%s (keys: %s)", msg, strings.Join(youtube.OverrideFields, ", "))
					continue
				case !isString:
					fail("%s: [youtube.client.%s] %s: want a string, got %s", at, name, f, describe(fields[f]))
					continue
				}
				o := name + "." + field + "=" + str
				if _, err := youtube.ParseClientOverride(o); err != nil {
					fail("%s: [youtube.client.%s] %s: %v", at, name, f, err)
					continue
				}
				s.values = append(s.values, o)
			}
		}
	}
	return s, errors.Join(errs...)
}
