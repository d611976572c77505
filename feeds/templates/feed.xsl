<?xml version="1.0" encoding="UTF-8"?>
<!-- Shows an RSS 2.0 or Atom 1.0 feed of feeds as a readable page in a browser that
     still runs XSLT (a static export opened directly); the server answers a browser
     with the feed's own page (rss.html, atom.html), which this one links to. -->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:atom="http://www.w3.org/2005/Atom" exclude-result-prefixes="atom">
  <xsl:output method="html" encoding="UTF-8" indent="yes"/>

  <xsl:variable name="title" select="/rss/channel/title | /atom:feed/atom:title"/>
  <xsl:variable name="about" select="/rss/channel/description | /atom:feed/atom:subtitle"/>
  <xsl:variable name="home" select="/rss/channel/link | /atom:feed/atom:link[@rel='alternate']/@href"/>
  <xsl:variable name="self" select="/rss/channel/atom:link[@rel='self']/@href | /atom:feed/atom:link[@rel='self']/@href"/>

  <xsl:template match="/">
    <html lang="en">
      <head>
        <meta charset="utf-8"/>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <title><xsl:value-of select="$title"/> (web feed)</title>
        <style>
          body{margin:0 auto;max-width:42rem;padding:1rem 1.25rem 3rem;font:1.05rem/1.6 system-ui,sans-serif;color:#1d232a;background:#fdfcf9}
          a{color:#0b5c8c} h1{line-height:1.2} .note{border:1px solid #e3e0d8;border-radius:.5rem;padding:.75rem 1rem;background:#f3f1ea}
          code{word-break:break-all} ol{list-style:none;padding:0} li{border-bottom:1px solid #e3e0d8;padding:.5rem 0}
          .date{color:#5b6672;font-size:.9rem}
        </style>
      </head>
      <body>
        <p class="note"><strong>This is a web feed.</strong> To subscribe, copy this address into
          your feed reader: <code id="feed-url"><xsl:value-of select="$self"/></code></p>
        <h1><xsl:value-of select="$title"/></h1>
        <p><xsl:value-of select="$about"/></p>
        <p><a href="{$home}">Visit the website</a> ·
          <a id="feed-page" href="{concat(substring($self, 1, string-length($self) - 4), '.html')}">This page without XSLT</a></p>
        <h2>Recent posts</h2>
        <ol>
          <xsl:apply-templates select="/rss/channel/item | /atom:feed/atom:entry"/>
        </ol>
      </body>
    </html>
  </xsl:template>

  <xsl:template match="item">
    <li class="entry">
      <a href="{link}"><xsl:value-of select="title"/></a>
      <div class="date"><xsl:value-of select="pubDate"/></div>
      <p><xsl:value-of select="description"/></p>
    </li>
  </xsl:template>

  <xsl:template match="atom:entry">
    <li class="entry">
      <a href="{atom:link[@rel='alternate']/@href}"><xsl:value-of select="atom:title"/></a>
      <div class="date"><xsl:value-of select="substring(atom:published, 1, 10)"/></div>
      <p><xsl:value-of select="atom:summary"/></p>
    </li>
  </xsl:template>
</xsl:stylesheet>
