package youtube

import (
	"fmt"
	"slices"
	"strings"
)

// Identity is one innertube client that ytharvest can claim to be in a
// player request: what goes in context.client of the request body and in
// the headers. YouTube retires identities (it answers HTTP 400
// FAILED_PRECONDITION, or "can only be played on newer versions of
// Android", to versions it no longer accepts), so the table below is the
// one place to change when it does, and a user can override Version and
// UserAgent per identity without a new release ([youtube.client.NAME] in
// the config file, --youtube-client-override on the command line).
type Identity struct {
	Key        string // what --youtube-client and [youtube.client.NAME] call it: "android"
	Name       string // innertube clientName: "ANDROID"
	Number     int    // X-Youtube-Client-Name: the client's innertube number
	Version    string // clientVersion, also sent as X-Youtube-Client-Version
	UserAgent  string // the User-Agent header, and context.client.userAgent for app clients
	DeviceMake string
	// DeviceModel, OSName, OSVersion and AndroidSDK go into context.client
	// when set: the app clients send them, the web clients do not.
	DeviceModel string
	OSName      string
	OSVersion   string
	AndroidSDK  int
	// Embedded clients say they are embedded (clientScreen EMBED) and on
	// which page (context.thirdParty.embedUrl).
	ClientScreen string
	EmbedURL     string
	// LastSeen says when this identity (with this version) was last seen
	// working in a public recording or report, and where: the table's
	// provenance, shown in docs/youtube.md and by `ytharvest doctor`.
	LastSeen string
}

// String names the identity as the logs and the runs table do:
// "ANDROID 21.03.36".
func (id Identity) String() string { return id.Name + " " + id.Version }

// Identities are the client identities ytharvest knows, current as of
// 2026-12. docs/youtube.md ("When YouTube changes") has the same table
// with where each version was last seen working.
var Identities = []Identity{
	{
		Key: "visionos", Name: "VISIONOS", Number: 101, Version: "1.02",
		UserAgent:  "com.google.ios.youtube/1.02 (RealityDevice14,1; U; CPU visionOS 2_0 like Mac OS X)",
		DeviceMake: "Apple", DeviceModel: "RealityDevice14,1", OSName: "visionOS", OSVersion: "2.0",
		LastSeen: "2026-08-20: yt-dlp's default client (issue 17)",
	},
	{
		Key: "android", Name: "ANDROID", Number: 3, Version: "21.03.36",
		UserAgent:  "com.google.android.youtube/21.03.36 (Linux; U; Android 14) gzip",
		DeviceMake: "Google", OSName: "Android", OSVersion: "14",
		// No androidSdkVersion: with it YouTube asks app clients for a
		// proof-of-origin token (kkdai removed it for the same reason).
		LastSeen: "2026-06: NewPipe's recordings (issue 17); 20.10.38 answered in jdepoix's recording of 2025-06-11",
	},
	{
		Key: "ios", Name: "IOS", Number: 5, Version: "19.45.4",
		UserAgent:  "com.google.ios.youtube/19.45.4 (iPhone16,2; U; CPU iOS 18_1_0 like Mac OS X;)",
		DeviceMake: "Apple", DeviceModel: "iPhone16,2", OSName: "iPhone", OSVersion: "18.1.0.22B83",
		LastSeen: "kkdai/youtube v2.10.6's IOSClient; no public recording found",
	},
	{
		Key: "tv", Name: "TVHTML5", Number: 7, Version: "7.20250120.19.00",
		UserAgent: "Mozilla/5.0 (ChromiumStylePlatform) Cobalt/Version",
		LastSeen:  "yt-dlp's tv client of 2025-01; no public recording found",
	},
	{
		Key: "web", Name: "WEB", Number: 1, Version: "2.20250610.00.00",
		UserAgent: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/137.0.0.0 Safari/537.36",
		LastSeen:  "2025-06-11: jdepoix's recorded watch page; 2026-08-20: yt-dlp's default (issue 17). Its caption URLs need a proof-of-origin token",
	},
	{
		Key: "web_embedded", Name: "WEB_EMBEDDED_PLAYER", Number: 56, Version: "1.19700101",
		UserAgent:    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/137.0.0.0 Safari/537.36",
		ClientScreen: "EMBED", EmbedURL: "https://www.youtube.com/",
		LastSeen: "kkdai/youtube v2.10.6's EmbeddedClient (its retry after LOGIN_REQUIRED); no public recording found",
	},
	{
		Key: "android_vr", Name: "ANDROID_VR", Number: 28, Version: "1.65.10",
		UserAgent:  "com.google.android.apps.youtube.vr.oculus/1.65.10 (Linux; U; Android 12L; eureka-user Build/SQ3A.220605.009.A1) gzip",
		DeviceMake: "Oculus", DeviceModel: "Quest 3", OSName: "Android", OSVersion: "12L", AndroidSDK: 32,
		LastSeen: "kkdai/youtube v2.10.6's default; its streams refused since 2026-08 (issue 17)",
	},
}

// DefaultClients is the order of identities tried when --youtube-client
// is not given: the first is used until YouTube refuses it, then the next.
const DefaultClients = "visionos,android,ios,tv,web,web_embedded,android_vr"

// ClientOverride changes one field of one identity: what
// [youtube.client.NAME] in the config file and --youtube-client-override
// NAME.FIELD=VALUE say.
type ClientOverride struct {
	Client string // an Identity.Key
	Field  string // "version" or "user-agent"
	Value  string
}

// OverrideFields are the fields a ClientOverride may set.
var OverrideFields = []string{"version", "user-agent"}

// ClientKeys returns the keys of the known identities.
func ClientKeys() []string {
	keys := make([]string, len(Identities))
	for i, id := range Identities {
		keys[i] = id.Key
	}
	return keys
}

// ParseClientOverride reads NAME.FIELD=VALUE.
func ParseClientOverride(s string) (ClientOverride, error) {
	k, v, ok := strings.Cut(s, "=")
	name, field, ok2 := strings.Cut(k, ".")
	if !ok || !ok2 {
		return ClientOverride{}, fmt.Errorf("client override %q: want NAME.FIELD=VALUE (android.version=21.03.36)", s)
	}
	o := ClientOverride{Client: strings.ToLower(strings.TrimSpace(name)), Field: strings.ToLower(strings.TrimSpace(field)), Value: strings.TrimSpace(v)}
	o.Field = strings.ReplaceAll(o.Field, "_", "-")
	switch {
	case !slices.Contains(ClientKeys(), o.Client):
		return o, fmt.Errorf("client override %q: unknown client %q (known: %s)", s, name, strings.Join(ClientKeys(), ", "))
	case !slices.Contains(OverrideFields, o.Field):
		return o, fmt.Errorf("client override %q: unknown field %q (known: %s)", s, field, strings.Join(OverrideFields, ", "))
	case o.Value == "" || strings.ContainsAny(o.Value, "\r\n\x00"):
		return o, fmt.Errorf("client override %q: the value must be one non-empty line", s)
	}
	return o, nil
}

// ChooseClients returns the identities named by order (a comma list of
// keys, DefaultClients when empty), in that order, with the overrides
// applied. An unknown key, or one named twice, is an error.
func ChooseClients(order string, overrides []ClientOverride) ([]Identity, error) {
	if strings.TrimSpace(order) == "" {
		order = DefaultClients
	}
	var out []Identity
	for _, k := range strings.Split(order, ",") {
		k = strings.ToLower(strings.TrimSpace(k))
		if k == "" {
			continue
		}
		i := slices.IndexFunc(Identities, func(id Identity) bool { return id.Key == k })
		if i < 0 {
			return nil, fmt.Errorf("unknown YouTube client %q (known: %s)", k, strings.Join(ClientKeys(), ", "))
		}
		if slices.ContainsFunc(out, func(id Identity) bool { return id.Key == k }) {
			return nil, fmt.Errorf("YouTube client %q named twice", k)
		}
		out = append(out, Identities[i])
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no YouTube client named in %q", order)
	}
	for _, o := range overrides {
		for i := range out {
			if out[i].Key != o.Client {
				continue
			}
			switch o.Field {
			case "version":
				out[i].Version = o.Value
			case "user-agent":
				out[i].UserAgent = o.Value
			}
			out[i].LastSeen = "overridden by the configuration"
		}
	}
	return out, nil
}

// clientContext is context.client of an innertube request for id.
func (id Identity) clientContext(visitorData string) map[string]any {
	c := map[string]any{
		"clientName":       id.Name,
		"clientVersion":    id.Version,
		"hl":               "en",
		"gl":               "US",
		"timeZone":         "UTC",
		"utcOffsetMinutes": 0,
	}
	set := func(k, v string) {
		if v != "" {
			c[k] = v
		}
	}
	if id.DeviceMake != "" { // an app: it says who it is in the body too
		set("userAgent", id.UserAgent)
	}
	set("deviceMake", id.DeviceMake)
	set("deviceModel", id.DeviceModel)
	set("osName", id.OSName)
	set("osVersion", id.OSVersion)
	set("clientScreen", id.ClientScreen)
	set("visitorData", visitorData)
	if id.AndroidSDK > 0 {
		c["androidSdkVersion"] = id.AndroidSDK
	}
	return c
}
