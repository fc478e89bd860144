package extract

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/harvestdev/ytharvest/harvest"
)

// formCase is one form of the extraction issue and the reference a golden
// fixture must yield for it. start, playlist and body are checked when set
// (body: "body" or "chrome").
type formCase struct {
	form     string
	fixture  string
	typ      harvest.RefType
	id, kind string
	start    int
	playlist string
	body     string
}

// formCases lists every form the extractor recognises, each with a fixture
// of testdata/extract that shows it. TestGolden compares whole outputs;
// this test says which reference stands for which form, so that a golden
// rewritten with -update cannot lose a form unnoticed.
func formCases() []formCase {
	v, p, c := harvest.RefVideo, harvest.RefPlaylist, harvest.RefChannel
	return []formCase{
		// iframes
		{form: "iframe youtube.com/embed/ID", fixture: "iframe-embeds", typ: v, id: "Fd7kQ2mZx9A", kind: harvest.KindIframe, body: "body"},
		{form: "iframe youtube-nocookie.com, start=, &amp;", fixture: "iframe-embeds", typ: v, id: "Hq3Lm8Np2Rs", kind: harvest.KindIframe, start: 90},
		{form: "iframe protocol-relative, &#038;", fixture: "iframe-embeds", typ: v, id: "Kc5Tv1Wb6Yd", kind: harvest.KindIframe},
		{form: "iframe embed/videoseries?list= is a playlist", fixture: "iframe-embeds", typ: p, id: "PLDEBB741B42EDED3D", kind: harvest.KindIframe},
		{form: "iframe embed/?list= is a playlist", fixture: "iframe-embeds", typ: p, id: "UU0zd0WX7SHXx3YAf-1dWayQ", kind: harvest.KindIframe},
		{form: "iframe embed/ID?list= names both", fixture: "iframe-embeds", typ: v, id: "Mx2Bn7Cv4Zq", kind: harvest.KindIframe, playlist: "PLsyOSbh5bs16vubvKePAQ1x3PhKavfBIl"},
		{form: "iframe embed/live_stream?channel= is a channel", fixture: "iframe-embeds", typ: c, id: "UCO7kohVnA8VzILzsnagXDHw", kind: harvest.KindIframe},
		{form: "lazy iframe data-src", fixture: "lazy-iframe", typ: v, id: "_yyfvI8lsnY", kind: harvest.KindLazyIframe},
		{form: "lazy iframe data-lazy-src, src=about:blank", fixture: "lazy-iframe", typ: v, id: "M_FFUTMnmjY", kind: harvest.KindLazyIframe},
		{form: "lazy iframe data-cmp-src", fixture: "lazy-iframe", typ: c, id: "UCO7kohVnA8VzILzsnagXDHw", kind: harvest.KindLazyIframe},
		{form: "lazy iframe any data-* attribute", fixture: "lazy-iframe", typ: v, id: "Da7Ta8Or9Ig", kind: harvest.KindLazyIframe},
		{form: "noscript fallback iframe", fixture: "lazy-iframe", typ: v, id: "BItSgrSYAXA", kind: harvest.KindIframe},
		// anchors
		{form: "anchor watch?v=", fixture: "anchor-forms", typ: v, id: "Aa1Bb2Cc3Dd", kind: harvest.KindAnchor},
		{form: "anchor v after other parameters", fixture: "anchor-forms", typ: v, id: "Ee4Ff5Gg6Hh", kind: harvest.KindAnchor},
		{form: "anchor v after src_vid", fixture: "anchor-forms", typ: v, id: "m9LNQV7cGIA", kind: harvest.KindAnchor},
		{form: "anchor youtu.be ?si=", fixture: "anchor-forms", typ: v, id: "Ii7Jj8Kk9Ll", kind: harvest.KindAnchor},
		{form: "anchor youtu.be ?t=1h2m3s", fixture: "anchor-forms", typ: v, id: "Mm1Nn2Oo3Pp", kind: harvest.KindAnchor, start: 3723},
		{form: "anchor youtu.be ?t=23s", fixture: "anchor-forms", typ: v, id: "Qq4Rr5Ss6Tt", kind: harvest.KindAnchor, start: 23},
		{form: "anchor watch &t=90", fixture: "anchor-forms", typ: v, id: "Uu7Vv8Ww9Xx", kind: harvest.KindAnchor, start: 90},
		{form: "anchor shorts/", fixture: "anchor-forms", typ: v, id: "Yy1Zz2Aa3Bb", kind: harvest.KindAnchor},
		{form: "anchor live/", fixture: "anchor-forms", typ: v, id: "Cc4Dd5Ee6Ff", kind: harvest.KindAnchor},
		{form: "anchor /v/ID&hl=", fixture: "anchor-forms", typ: v, id: "Gg7Hh8Ii9Jj", kind: harvest.KindAnchor},
		{form: "anchor /e/", fixture: "anchor-forms", typ: v, id: "Kk1Ll2Mm3Nn", kind: harvest.KindAnchor},
		{form: "anchor /watch/ID", fixture: "anchor-forms", typ: v, id: "Oo4Pp5Qq6Rr", kind: harvest.KindAnchor},
		{form: "anchor m. host", fixture: "anchor-forms", typ: v, id: "Ss7Tt8Uu9Vv", kind: harvest.KindAnchor},
		{form: "anchor music. host", fixture: "anchor-forms", typ: v, id: "Ww1Xx2Yy3Zz", kind: harvest.KindAnchor},
		{form: "anchor gaming. host", fixture: "anchor-forms", typ: v, id: "Ab4Cd5Ef6Gh", kind: harvest.KindAnchor},
		{form: "anchor attribution_link?u=", fixture: "anchor-forms", typ: v, id: "EhxJLojIE_o", kind: harvest.KindAnchor},
		{form: "anchor consent page continue=", fixture: "anchor-forms", typ: v, id: "qVv6vCqciTM", kind: harvest.KindAnchor},
		{form: "anchor video in a playlist", fixture: "anchor-forms", typ: v, id: "Qr1St2Uv3Wx", kind: harvest.KindAnchor, playlist: "PLqh1Mztq_-N2OnEXkdtF5yymcihwqG57y"},
		{form: "anchor video in a playlist names the playlist", fixture: "anchor-forms", typ: p, id: "PLqh1Mztq_-N2OnEXkdtF5yymcihwqG57y", kind: harvest.KindAnchor},
		{form: "area href", fixture: "anchor-forms", typ: v, id: "Op1Qr2St3Uv", kind: harvest.KindAnchor},
		{form: "relative /watch?v= on youtube.com", fixture: "youtube-watch-page", typ: v, id: "srtMWzyqdp8", kind: harvest.KindAnchor, start: 6, body: "body"},
		{form: "relative /watch?v= in a related list", fixture: "youtube-watch-page", typ: v, id: "4VfPvCI901c", kind: harvest.KindAnchor, body: "chrome"},
		{form: "player controls are chrome", fixture: "youtube-watch-page", typ: v, id: "Nx1Ty2Ur3Ie", kind: harvest.KindAnchor, body: "chrome"},
		// wrapped in another site's URL
		{form: "Embedly media.html?src=", fixture: "proxy-wrappers", typ: v, id: "Tu3Vw4Xy5Za", kind: harvest.KindProxy, start: 2527},
		{form: "redirector url=", fixture: "proxy-wrappers", typ: v, id: "cmQHVoWB5FY", kind: harvest.KindProxy},
		{form: "site's own /embed?url= proxy", fixture: "proxy-wrappers", typ: v, id: "vpTEYV-f_LQ", kind: harvest.KindProxy},
		{form: "site-own proxy id=youtube-video-ID", fixture: "proxy-wrappers", typ: v, id: "LlbUwLx785k", kind: harvest.KindProxy, start: 12},
		{form: "Wayback Machine", fixture: "proxy-wrappers", typ: v, id: "cLnFl7K8Tao", kind: harvest.KindProxy},
		{form: "double percent-encoding", fixture: "proxy-wrappers", typ: v, id: "Rt5Yu6Io7Pa", kind: harvest.KindProxy},
		{form: "ad redirector adurl=", fixture: "proxy-wrappers", typ: v, id: "EIEUCR52xCo", kind: harvest.KindProxy, body: "chrome"},
		// text
		{form: "URL pasted into text, trailing period", fixture: "pasted-url", typ: v, id: "H7xQm2Lp9sA", kind: harvest.KindText},
		{form: "URL in text without scheme", fixture: "pasted-url", typ: v, id: "Cd5-_8wXy02", kind: harvest.KindText},
		{form: "URL in a reader's comment", fixture: "pasted-url", typ: v, id: "Ij1xQm2Lp9s", kind: harvest.KindText, body: "chrome"},
		// players in markup
		{form: "lite-youtube videoid, params start", fixture: "players", typ: v, id: "Lt1Yw2Ex3Ab", kind: harvest.KindLiteYouTube, start: 10},
		{form: "lite-youtube wrapping a link", fixture: "players", typ: v, id: "Lt4Yw5Ex6Cd", kind: harvest.KindLiteYouTube},
		{form: "lite-youtube playlistid, videoStartAt", fixture: "players", typ: v, id: "Lt7Yw8Ex9Ef", kind: harvest.KindLiteYouTube, start: 5, playlist: "PL-G5r6j4GptH5JTveoLTVqpp7w2oc27Q9"},
		{form: "amp-youtube data-videoid", fixture: "players", typ: v, id: "Am1Pq2Rs3Tu", kind: harvest.KindAMP, start: 42},
		{form: "amp-youtube data-live-channelid", fixture: "players", typ: c, id: "UCWnPjmqvljcafA0z2U1fwKQ", kind: harvest.KindAMP},
		{form: "WordPress wp-block-embed-youtube", fixture: "players", typ: v, id: "Wp1Gb2Ck3Dl", kind: harvest.KindWordPress},
		{form: "WordPress embed block before rendering", fixture: "players", typ: v, id: "Wp4Gb5Ck6Dm", kind: harvest.KindWordPress},
		{form: "Jetpack embed-youtube", fixture: "players", typ: v, id: "Jp1Kq2Lr3Ms", kind: harvest.KindWordPress},
		{form: "WP YouTube Lyte", fixture: "players", typ: v, id: "Ly1Te2Wp3Pl", kind: harvest.KindWordPress},
		{form: "data-youtube-id", fixture: "bare-ids", typ: v, id: "Bi1Dy2Tz3Ku", kind: harvest.KindDataAttribute},
		{form: "data-video-id, class says YouTube", fixture: "bare-ids", typ: v, id: "Bi4Dy5Tz6Kv", kind: harvest.KindDataAttribute},
		{form: "Plyr data-plyr-embed-id", fixture: "bare-ids", typ: v, id: "Bi7Dy8Tz9Kw", kind: harvest.KindDataAttribute},
		{form: "data-video in a YouTube widget", fixture: "bare-ids", typ: v, id: "Bj1Ez2Ua3Lx", kind: harvest.KindDataAttribute, body: "chrome"},
		{form: "data-id on the player itself", fixture: "bare-ids", typ: v, id: "Bj4Ez5Ua6Ly", kind: harvest.KindDataAttribute},
		{form: "bare ID in data-src of a player", fixture: "bare-ids", typ: v, id: "Bj7Ez8Ua9Lz", kind: harvest.KindDataAttribute},
		{form: "data-fallback-video-id", fixture: "bare-ids", typ: v, id: "Bk1Fa2Vb3Ma", kind: harvest.KindDataAttribute},
		{form: "object param movie and embed /v/ID", fixture: "objects", typ: v, id: "Ob1Je2Ct3Fl", kind: harvest.KindObject},
		{form: "object data /v/ID", fixture: "objects", typ: v, id: "Ob4Je5Ct6Fm", kind: harvest.KindObject},
		{form: "embed youtube.googleapis.com/v/ID", fixture: "objects", typ: v, id: "Ob7Je8Ct9Fn", kind: harvest.KindObject},
		{form: "video source type=video/youtube", fixture: "objects", typ: v, id: "Me1Dv2Sc3Wp", kind: harvest.KindObject},
		// metadata
		{form: "og:video", fixture: "metadata", typ: v, id: "Mt1Ag2Vd3Og", kind: harvest.KindMeta, body: "chrome"},
		{form: "og:video:url", fixture: "metadata", typ: v, id: "Mt4Ag5Vd6Oh", kind: harvest.KindMeta},
		{form: "twitter:player", fixture: "metadata", typ: v, id: "Mt7Ag8Vd9Oi", kind: harvest.KindMeta},
		{form: "app link vnd.youtube://", fixture: "metadata", typ: v, id: "Mu1Bh2We3Pj", kind: harvest.KindMeta},
		{form: "link rel=image_src thumbnail", fixture: "metadata", typ: v, id: "Mu4Bh5We6Pk", kind: harvest.KindThumbnail},
		{form: "oEmbed link to YouTube", fixture: "metadata", typ: v, id: "Oe1Mb2Ed3Yt", kind: harvest.KindOEmbed},
		{form: "JSON-LD sameAs channel in @graph", fixture: "metadata", typ: c, id: "UCZ-tUoJJV-18Xtcij_tOgGQ", kind: harvest.KindJSONLD},
		{form: "JSON-LD VideoObject embedUrl, escaped slashes", fixture: "metadata", typ: v, id: "Js1On2Ld3Vo", kind: harvest.KindJSONLD},
		{form: "JSON-LD VideoObject contentUrl", fixture: "metadata", typ: v, id: "Js4On5Ld6Vp", kind: harvest.KindJSONLD},
		{form: "JSON-LD VideoObject url", fixture: "metadata", typ: v, id: "Js7On8Ld9Vq", kind: harvest.KindJSONLD},
		{form: "meta itemprop=embedUrl", fixture: "metadata", typ: v, id: "Mi1Cd2Ro3Da", kind: harvest.KindMeta, body: "body"},
		{form: "link itemprop=embedUrl", fixture: "metadata", typ: v, id: "Mi4Cd5Ro6Db", kind: harvest.KindMeta},
		// thumbnails
		{form: "thumbnail in a <style>", fixture: "thumbnails", typ: v, id: "Th1Mb2Nl3Aa", kind: harvest.KindThumbnail},
		{form: "thumbnail i.ytimg.com/vi/", fixture: "thumbnails", typ: v, id: "Th4Mb5Nl6Ab", kind: harvest.KindThumbnail},
		{form: "thumbnail img.youtube.com/vi/", fixture: "thumbnails", typ: v, id: "Th7Mb8Nl9Ac", kind: harvest.KindThumbnail},
		{form: "thumbnail i2.ytimg.com", fixture: "thumbnails", typ: v, id: "Tj1Nc2Om3Bd", kind: harvest.KindThumbnail},
		{form: "thumbnail vi_webp in data-src", fixture: "thumbnails", typ: v, id: "Tj4Nc5Om6Be", kind: harvest.KindThumbnail},
		{form: "thumbnail in srcset", fixture: "thumbnails", typ: v, id: "Tj7Nc8Om9Bf", kind: harvest.KindThumbnail},
		{form: "thumbnail in CSS background-image", fixture: "thumbnails", typ: v, id: "Tk1Od2Pn3Cg", kind: harvest.KindThumbnail},
		{form: "thumbnail in CSS, quoted, several url()", fixture: "thumbnails", typ: v, id: "Tk4Od5Pn6Ch", kind: harvest.KindThumbnail},
		{form: "storyboard", fixture: "thumbnails", typ: v, id: "Tk7Od8Pn9Ci", kind: harvest.KindThumbnail},
		{form: "video poster", fixture: "thumbnails", typ: v, id: "Tm1Pe2Qo3Dj", kind: harvest.KindThumbnail},
		{form: "thumbnail percent-encoded in another URL", fixture: "proxy-wrappers", typ: v, id: "Zx3Cv4Bn5Mq", kind: harvest.KindThumbnail},
		// scripts
		{form: "renderExternalContent(...)", fixture: "scripts", typ: v, id: "Sc1Rp2Tx3Ea", kind: harvest.KindScript, body: "body"},
		{form: "document.write, &amp; in the script", fixture: "scripts", typ: v, id: "Sc4Rp5Tx6Eb", kind: harvest.KindScript, start: 75},
		{form: "JSON state with \\u0026 and \\/", fixture: "scripts", typ: v, id: "Sc7Rp8Tx9Ec", kind: harvest.KindScript, playlist: "PL6cactdCCnTLMpIQHMnRIP-VnijzmO-jK", body: "chrome"},
		{form: "JSON state playlist", fixture: "scripts", typ: p, id: "PL6cactdCCnTLMpIQHMnRIP-VnijzmO-jK", kind: harvest.KindScript},
		{form: "JSON state channel in escaped HTML", fixture: "scripts", typ: c, id: "UCQsrA4xo6jvdgsJZhKaBL6w", kind: harvest.KindScript},
		{form: "HTML template script", fixture: "scripts", typ: v, id: "Sd1Sq2Uy3Fd", kind: harvest.KindScript},
		{form: "onclick handler", fixture: "scripts", typ: v, id: "Sd4Sq5Uy6Fe", kind: harvest.KindScript},
		// the IFrame Player API in scripts and handlers, with no YouTube URL on the page
		{form: "new YT.Player videoId, playerVars start", fixture: "iframe-api", typ: v, id: "Ap1Iy2Pl3Ra", kind: harvest.KindScript, start: 30, body: "body"},
		{form: "new YT.Player playerVars list", fixture: "iframe-api", typ: p, id: "PLx7Ud0hF3l9aQqK2mZpVtY1sR8wN4bC6e", kind: harvest.KindScript},
		{form: "loadVideoById in an onclick", fixture: "iframe-api", typ: v, id: "Ap4Iy5Pl6Rb", kind: harvest.KindScript},
		{form: "cueVideoById({videoId, startSeconds})", fixture: "iframe-api", typ: v, id: "Ap7Iy8Pl9Rc", kind: harvest.KindScript, start: 45},
		{form: "loadVideoById(ID, start)", fixture: "iframe-api", typ: v, id: "Aq1Jz2Qm3Sd", kind: harvest.KindScript, start: 12},
		{form: "loadPlaylist([ID, ID])", fixture: "iframe-api", typ: v, id: "Aq7Jz8Qm9Sf", kind: harvest.KindScript},
		// self-hosted thumbnails whose ID a script call passes
		{form: "self-hosted ID_mqdefault.jpg, the ID passed in an onclick", fixture: "self-hosted-thumbs", typ: v, id: "Sh1Ho2St3Th", kind: harvest.KindThumbnail, body: "body"},
		{form: "self-hosted ID-maxresdefault.webp in srcset", fixture: "self-hosted-thumbs", typ: v, id: "Sh4Ho5St6Ti", kind: harvest.KindThumbnail},
		{form: "self-hosted ID/hqdefault.jpg in CSS, the call in a script", fixture: "self-hosted-thumbs", typ: v, id: "Sh7Ho8St9Tj", kind: harvest.KindThumbnail, body: "chrome"},
		// encoded markup in attribute values and scripts
		{form: "markup percent-encoded in a data attribute", fixture: "encoded-markup", typ: v, id: "En1Pc2Dd3Mk", kind: harvest.KindDataAttribute, start: 15},
		{form: "URL percent-encoded in a data attribute", fixture: "encoded-markup", typ: v, id: "En2Pc3Dd4Ml", kind: harvest.KindDataAttribute},
		{form: "markup entity-encoded twice", fixture: "encoded-markup", typ: v, id: "En4Ee5Nt6Ty", kind: harvest.KindDataAttribute},
		{form: "markup JSON-escaped in an onclick string", fixture: "encoded-markup", typ: v, id: "Js1Oc2Lk3Es", kind: harvest.KindScript},
		{form: "markup percent-encoded in an onclick string", fixture: "encoded-markup", typ: v, id: "Pc1Js2On3Dc", kind: harvest.KindScript},
		{form: "markup percent-encoded in a JSON string of a script", fixture: "encoded-markup", typ: v, id: "St1Js2On3Pc", kind: harvest.KindScript},
		// channels and playlists
		{form: "channel /channel/UC…", fixture: "channels", typ: c, id: "UCj0T_42lNUOVJgGX3c8Qr-g", kind: harvest.KindAnchor},
		{form: "channel /@handle", fixture: "channels", typ: c, id: "@KuluMedia", kind: harvest.KindAnchor},
		{form: "channel /@handle/videos", fixture: "channels", typ: c, id: "@kulturnews", kind: harvest.KindAnchor},
		{form: "channel /c/NAME", fixture: "channels", typ: c, id: "c/statisticsglobe", kind: harvest.KindAnchor},
		{form: "channel /user/NAME", fixture: "channels", typ: c, id: "user/stuttgartlhs", kind: harvest.KindAnchor},
		{form: "channel ID under /user/", fixture: "channels", typ: c, id: "UCn2Loo9pqw2e2H7FeK4klSA", kind: harvest.KindAnchor},
		{form: "legacy youtube.com/NAME", fixture: "channels", typ: c, id: "MacRumors", kind: harvest.KindAnchor},
		{form: "user uploads embed", fixture: "channels", typ: c, id: "user/aselacrafts", kind: harvest.KindAnchor},
		{form: "playlist?list=", fixture: "channels", typ: p, id: "PLYp9kaw2Myave76qHleSoF4Is8OWSzHgn", kind: harvest.KindAnchor},
		{form: "music album playlist", fixture: "channels", typ: p, id: "OLAK5uy_lEBUW9iTwqf0IlYPxZ8LrzpgqjAHZgZpM", kind: harvest.KindAnchor},
		{form: "music browse/VL playlist", fixture: "channels", typ: p, id: "PLRBp0Fe2GpgmgoscNFLxNyBVSFVdYmFkq", kind: harvest.KindAnchor},
		// body and chrome
		{form: "the page's own article among several", fixture: "stacked-articles", typ: v, id: "St1Ck2Ed3Ar", kind: harvest.KindAnchor, body: "body"},
		{form: "another article on the page", fixture: "stacked-articles", typ: v, id: "St4Ck5Ed6As", kind: harvest.KindIframe, body: "chrome"},
		{form: "hero video above the story, in main", fixture: "teaser-cards", typ: v, id: "Tc1Br2Dg3Ex", kind: harvest.KindIframe, body: "body"},
		{form: "teaser cards as articles of their own", fixture: "teaser-cards", typ: v, id: "Tc4Br5Dg6Ey", kind: harvest.KindIframe, body: "chrome"},
		{form: "hero video beside the dense text", fixture: "text-density", typ: v, id: "Dn1Sy2Tx3Hb", kind: harvest.KindIframe, body: "body"},
		{form: "unlabelled side column", fixture: "text-density", typ: v, id: "Dn4Sy5Tx6Hc", kind: harvest.KindIframe, body: "chrome"},
		{form: "unlabelled link box below the article", fixture: "text-density", typ: v, id: "Dn7Sy8Tx9Hd", kind: harvest.KindAnchor, body: "chrome"},
		{form: "a front page's lead card is no article", fixture: "homepage-teasers", typ: v, id: "Hm1Le2Ad3Vd", kind: harvest.KindIframe, body: "chrome"},
		{form: "a front page's teaser cards", fixture: "homepage-teasers", typ: v, id: "Hm7Bd8Gt9Fv", kind: harvest.KindLiteYouTube, body: "chrome"},
		{form: "a front page's videos outside the cards", fixture: "homepage-teasers", typ: v, id: "Hn1Vs2Tr3Ip", kind: harvest.KindAnchor, body: "chrome"},
		{form: "a video page's own player", fixture: "video-post", typ: v, id: "Vp1Fl2Dd3Bt", kind: harvest.KindIframe, body: "body"},
		{form: "a video page's other videos", fixture: "video-post", typ: v, id: "Vp4Mr5Vd6Cs", kind: harvest.KindAnchor, body: "chrome"},
		{form: "aside inside the article", fixture: "article-sidebar", typ: v, id: "Rel4ted0001", kind: harvest.KindIframe, body: "chrome"},
		{form: "navigation", fixture: "nav-footer", typ: v, id: "Nav00000001", kind: harvest.KindAnchor, body: "chrome"},
	}
}

func TestFormsCovered(t *testing.T) {
	extractions := map[string]*harvest.Extraction{}
	for _, tc := range formCases() {
		x, ok := extractions[tc.fixture]
		if !ok {
			b, err := os.ReadFile(filepath.Join(goldenDir, tc.fixture+".html"))
			if err != nil {
				t.Fatal(err)
			}
			base := fixtureBase
			if u, ok := fixtureURLs[tc.fixture]; ok {
				base = u
			}
			x, err = Extract(mustParseURL(t, base), bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			extractions[tc.fixture] = x
		}
		var ref *harvest.Reference
		for i := range x.Refs {
			r := &x.Refs[i]
			if r.Type == tc.typ && r.ID == tc.id && r.Kind == tc.kind {
				ref = r
				break
			}
		}
		if ref == nil {
			t.Errorf("%s: %s has no %s %s of kind %s", tc.form, tc.fixture, tc.typ, tc.id, tc.kind)
			continue
		}
		var bad []string
		if tc.start != 0 && ref.StartSeconds != tc.start {
			bad = append(bad, fmt.Sprintf("StartSeconds %d, want %d", ref.StartSeconds, tc.start))
		}
		if tc.playlist != "" && ref.PlaylistID != tc.playlist {
			bad = append(bad, fmt.Sprintf("PlaylistID %q, want %q", ref.PlaylistID, tc.playlist))
		}
		if tc.body != "" && ref.InBody != (tc.body == "body") {
			bad = append(bad, fmt.Sprintf("InBody %v, want %s", ref.InBody, tc.body))
		}
		if len(bad) > 0 {
			t.Errorf("%s: %s %s %s: %s", tc.form, tc.fixture, tc.typ, tc.id, strings.Join(bad, ", "))
		}
	}
}

// TestNotReferences checks that the look-alikes of the decoys fixture and
// of the other fixtures' "not references" parts yield nothing.
func TestNotReferences(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(goldenDir, "decoys.html"))
	if err != nil {
		t.Fatal(err)
	}
	x, err := Extract(mustParseURL(t, fixtureBase), bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range x.Refs {
		t.Errorf("decoys.html: unexpected reference %+v", r)
	}
	for _, tc := range []struct{ fixture, id string }{
		{"iframe-embeds", "videoseries"},
		{"anchor-forms", "N_708QY7Ob"},
		{"bare-ids", "placeholder"},
		{"bare-ids", "Xq1Wr2Et3Yu"},
		{"bare-ids", "Zq1Wr2Et3Yu"},
		{"bare-ids", "Ya1Ex2Lm3Id"}, // id="ytc_ID"
		{"bare-ids", "Yb1Ex2Lm3Id"}, // an iframe's id, class says YouTube
		{"bare-ids", "player_0001"}, // a player slot's id
		{"bare-ids", "px1234567ab"}, // a tracking pixel's id
		{"bare-ids", "Yc1Ex2Lm3Id"}, // data-id on a button inside a player
		{"bare-ids", "Yd1Ex2Lm3Id"}, // data-tracking-id on a player
		{"scripts", "VIDEO_ID_HE"},
		{"iframe-api", "player_0001"}, // the element YT.Player replaces
		{"iframe-api", "VIDEO_ID_HE"},
		{"self-hosted-thumbs", "Lo1Ne2Th3Mb"}, // a thumbnail no call names
		{"self-hosted-thumbs", "Ca1Ll2On3Ly"}, // a call no thumbnail names
		{"self-hosted-thumbs", "As1Si2Gn3Ed"}, // the ID assigned, not passed
		{"thumbnails", "InStyle0Ab1"},
	} {
		b, err := os.ReadFile(filepath.Join(goldenDir, tc.fixture+".html"))
		if err != nil {
			t.Fatal(err)
		}
		x, err := Extract(mustParseURL(t, fixtureBase), bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range x.Refs {
			if strings.HasPrefix(r.ID, tc.id[:len(tc.id)-1]) {
				t.Errorf("%s: %q is not a reference, got %+v", tc.fixture, tc.id, r)
			}
		}
	}
}
