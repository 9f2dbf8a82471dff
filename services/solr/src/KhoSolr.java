// A minimal stand-alone Solr server for Kho's integration tests.
//
// Solr's binary distribution wraps solr-core in Jetty via bin/solr, Jetty's start.jar and the
// solr-webapp's web.xml. Only the jars are reachable here, so this class does what that web.xml
// (and Solr's own embedded runner, JettySolrRunner) does: one servlet context at /solr with
// CoreContainerProvider as listener and SolrDispatchFilter on every path. Solr then serves its
// usual HTTP API (/solr/<core>/select, /update, /admin/ping, /admin/cores, ...).
//
// Compiled and run by scripts/services/solr.sh. Settings are Java system properties:
//   solr.solr.home   (required) folder holding solr.xml and the cores
//   kho.solr.port    port to listen on (default 8983)
//   kho.solr.host    address to bind (default 127.0.0.1)

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.EnumSet;
import java.util.Properties;
import javax.servlet.DispatcherType;
import javax.servlet.ServletContextEvent;
import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;
import org.apache.solr.servlet.CoreContainerProvider;
import org.apache.solr.servlet.SolrDispatchFilter;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.servlet.FilterHolder;
import org.eclipse.jetty.servlet.ServletContextHandler;
import org.eclipse.jetty.servlet.ServletHolder;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

public final class KhoSolr {
  private static final String CONTEXT = "/solr";

  /** Answers 404 for whatever SolrDispatchFilter passes on (as Solr's webapp does). */
  public static final class NotFound extends HttpServlet {
    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
      resp.sendError(404, "Not Found");
    }
  }

  public static void main(String[] args) throws Exception {
    String homeProp = System.getProperty("solr.solr.home");
    if (homeProp == null || homeProp.isEmpty()) {
      System.err.println("KhoSolr: set -Dsolr.solr.home=<folder with solr.xml>");
      System.exit(2);
    }
    final Path home = Paths.get(homeProp).toAbsolutePath().normalize();
    if (!Files.isRegularFile(home.resolve("solr.xml"))) {
      System.err.println("KhoSolr: no solr.xml in " + home);
      System.exit(2);
    }
    final String host = System.getProperty("kho.solr.host", "127.0.0.1");
    final int port = Integer.getInteger("kho.solr.port", 8983);
    // Parts of Solr read these as bin/solr would have set them.
    System.setProperty("jetty.port", Integer.toString(port));
    System.setProperty("jetty.host", host);

    QueuedThreadPool pool = new QueuedThreadPool(200, 4);
    pool.setName("solr-jetty");
    Server server = new Server(pool);
    server.setStopAtShutdown(true); // SIGTERM -> Jetty stops -> CoreContainer closes the cores
    server.setStopTimeout(15_000);

    HttpConfiguration http = new HttpConfiguration();
    http.setSendServerVersion(false);
    ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(http));
    connector.setHost(host);
    connector.setPort(port);
    connector.setReuseAddress(true);
    connector.setIdleTimeout(120_000);
    server.addConnector(connector);

    final ServletContextHandler root =
        new ServletContextHandler(server, CONTEXT, ServletContextHandler.NO_SESSIONS);
    root.setResourceBase(home.toString());
    final Properties nodeProperties = new Properties();
    nodeProperties.setProperty("hostPort", Integer.toString(port));
    nodeProperties.setProperty("hostContext", CONTEXT);
    root.addEventListener(
        new CoreContainerProvider() {
          @Override
          public void contextInitialized(ServletContextEvent event) {
            event.getServletContext()
                .setAttribute(SolrDispatchFilter.PROPERTIES_ATTRIBUTE, nodeProperties);
            event.getServletContext().setAttribute(SolrDispatchFilter.SOLRHOME_ATTRIBUTE, home.toString());
            super.contextInitialized(event);
          }
        });
    FilterHolder dispatch = new FilterHolder(SolrDispatchFilter.class);
    dispatch.setName("SolrRequestFilter");
    root.addFilter(dispatch, "/*", EnumSet.of(DispatcherType.REQUEST));
    root.addServlet(new ServletHolder(new NotFound()), "/");

    server.start();

    System.err.println(
        "KhoSolr: listening on http://" + host + ":" + port + CONTEXT + " (solr home " + home + ")");
    server.join();
  }
}
